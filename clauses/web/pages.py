"""French pages of the web service (``templates/web/``): escaped, mobile-first, readable without
JavaScript, the facilitators' contact on every page. Security headers on every answer."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from clauses.messages.render import environment

# No script, no frame, no third-party resource: the pages hold a token and must not leak it.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def page(request: Request, template: str, *, title: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    html = environment().get_template(f"web/{template}").render(
        title=title, contact=request.app.state.contact, **values)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def notice(request: Request, title: str, text: str, *, detail: str = "", status_code: int = 200) -> HTMLResponse:
    return page(request, "notice.html", title=title, status_text=text, detail=detail, status_code=status_code)


def unknown_link(request: Request) -> HTMLResponse:
    return notice(request, "Lien non valable",
                  "Ce lien n’est pas valable : il a peut-être été mal copié.",
                  detail="Contactez-nous : nous vous répondrons avec plaisir.", status_code=404)


def form_too_long(request: Request) -> HTMLResponse:
    return notice(request, "Demande trop longue", "Cette demande est trop longue.", status_code=413)


def form_expired(request: Request, *, button: bool = True) -> HTMLResponse:
    """A form whose CSRF token no longer holds: the person reopens the emailed link."""
    again = " et appuyez de nouveau sur le bouton" if button else ""
    return notice(request, "Formulaire expiré",
                  f"Ce formulaire n’est plus valable : rouvrez le lien reçu par courriel{again}.", status_code=403)


async def read_form(request: Request, limit: int) -> dict[str, str] | None:
    """The fields of a small url-encoded (or multipart, for RFC 8058 clients) form, or None when the
    body is larger than ``limit`` bytes (read no further)."""
    from urllib.parse import parse_qsl

    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return _multipart_fields(body, content_type)
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


def _multipart_fields(body: bytes, content_type: str) -> dict[str, str]:
    """The text fields of a small multipart/form-data body (the standard library's parser)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    fields: dict[str, str] = {}
    if message.is_multipart():
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                fields[str(name)] = part.get_content() if part.get_content_maintype() == "text" else ""
    return fields
