"""Signals of the organisations' facts, for the apps that keep something made from them."""

from django.dispatch import Signal

# Sent when key figures or the municipality structure (successions) have changed, inside the
# transaction that changed them. Receivers drop what they keep that was made from them.
facts_changed = Signal()
