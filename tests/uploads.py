"""Uploads as a browser (or anyone) can send them: the test client keeps only the base name of a
file, so a name with a path in it has to be written into the request by hand."""

from __future__ import annotations

BOUNDARY = "----portal-test-boundary"


def multipart(filename: str, content: bytes, *, field: str = "file", **fields: str):
    """(body, content type) of a form with one file under exactly ``filename``."""
    parts = [
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
        for name, value in fields.items()
    ]
    parts.append(
        (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def post_file(client, url: str, filename: str, content: bytes, **fields: str):
    body, content_type = multipart(filename, content, **fields)
    return client.post(url, data=body, content_type=content_type)
