import datetime as dt

import factory

from portal.accounts.models import Membership, User
from portal.municipalities.models import County, KeyFigures, Municipality, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.LazyAttribute(lambda o: f"IMDi {o.code}")


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("number", "valid_from")

    number = factory.Sequence(lambda n: f"{60 + n % 30:02d}")
    name = factory.LazyAttribute(lambda o: f"County {o.number}")
    valid_from = dt.date(2024, 1, 1)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    number = factory.Sequence(lambda n: f"{9000 + n}")
    name = factory.Sequence(lambda n: f"Testkommune {n}")
    county = factory.SubFactory(CountyFactory)
    region = factory.SubFactory(RegionFactory)
    valid_from = dt.date(2024, 1, 1)


class KeyFiguresFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyFigures

    municipality = factory.SubFactory(MunicipalityFactory)
    year = 2025


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.no")
    first_name = "Test"
    last_name = factory.LazyAttribute(lambda o: o.username.title())
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    role = "editor"
