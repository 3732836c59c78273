import re

from django.conf import settings

from portal.accounts.sessions import seconds_left


def contact() -> dict[str, str]:
    """The directorate's contact details, as the settings give them."""
    website = settings.PORTAL_CONTACT_WEBSITE
    return {
        "email": settings.PORTAL_CONTACT_EMAIL,
        "phone": settings.PORTAL_CONTACT_PHONE,
        "phone_link": re.sub(r"[^\d+]", "", settings.PORTAL_CONTACT_PHONE),
        "address": settings.PORTAL_CONTACT_ADDRESS,
        "website": website,
        "website_label": re.sub(r"^https?://(www\.)?", "", website).rstrip("/"),
    }


def portal(request):
    return {
        "PORTAL_DEBUG": settings.DEBUG,
        "PORTAL_CONTACT": contact(),
        # Only for a logged-in person: the page warns before the session ends.
        "SESSION_EXPIRES_IN": seconds_left(request),
        "SESSION_WARNING_SECONDS": settings.SESSION_WARNING_SECONDS,
        # The header links to the person's log-in methods where ID-porten is set up.
        "NATIONAL_LOGIN_CONFIGURED": bool(settings.NATIONAL_LOGIN_PROVIDERS),
    }
