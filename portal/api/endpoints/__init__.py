"""One router per resource; portal/api/api.py mounts them under /api/v1/."""
