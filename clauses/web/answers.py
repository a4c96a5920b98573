"""What a candidate does from an email: answer ("Je viens" / "Je ne peux pas venir", cancel from a
reminder, take an offered place) and unsubscribe (one click, RFC 8058, or this trade only).

**A GET never changes anything** (mail gateways and previews open links on their own): it shows a
page with one button; the button's POST (same URL, with the page's CSRF token) acts. Repeating the
POST changes nothing more. A link cut before its answer (``/r/<token>``) shows « Je viens » with the
other answer beside it. Answer links stop working when the event starts (a page says so, with
the facilitators' contact); unsubscribe links keep working.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses import french
from clauses.messages import links
from clauses.messages.compose import References
from clauses.messages.render import event_values
from clauses.outreach import places
from clauses.storage.answers import MessageToken, TradeOptOut
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import Message, Participation
from clauses.storage.planning import Event
from clauses.web import keys
from clauses.web.pages import form_expired, form_too_long, notice, page, read_form, unknown_link

router = APIRouter()

CHOICES = {"oui": "yes", "non": "no"}
UNSUBSCRIBE = "unsubscribe"


@dataclass
class Link:
    token: str
    message: Message
    candidate: Candidate
    event: Event | None


def find_link(session: Session, token: str) -> Link | None:
    """The message, candidate and event behind a link token (None: unknown, or the person's data
    was anonymised)."""
    if not token or len(token) > 64:
        return None
    row = session.execute(
        select(Message, Candidate)
        .join(MessageToken, MessageToken.message_id == Message.id)
        .join(Candidate, Candidate.id == Message.candidate_id)
        .where(MessageToken.token_hash == links.token_hash(token))
    ).first()
    if row is None or row[1].anonymised_at is not None:
        return None
    message, candidate = row
    event = session.get(Event, message.event_id) if message.event_id else None
    return Link(token, message, candidate, event)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def status_text(status: str, position: int | None, offer_until: dt.datetime | None) -> str:
    if status == "registered":
        return "Vous êtes inscrit·e : nous vous attendons."
    if status == "waitlisted":
        return (f"L’événement est complet : vous êtes sur la liste d’attente, en position {position}. "
                "Nous vous écrirons dès qu’une place se libère.")
    if status == "offered" and offer_until:
        return f"Une place s’est libérée : elle vous est réservée jusqu’au {french.datetime_long(offer_until)}."
    if status == "declined":
        return "Vous nous avez dit ne pas pouvoir venir."
    if status == "excused":
        return "Vous nous avez prévenus de votre absence."
    if status == "invited":
        return "Vous n’avez pas encore répondu."
    return "Votre participation est déjà enregistrée."


# What the page's single button says, per current status and choice (None: nothing to do).
BUTTONS = {
    "yes": {"invited": "Je viens", "declined": "Finalement, je viens", "excused": "Finalement, je viens",
            "offered": "Je prends la place"},
    "no": {"invited": "Je ne peux pas venir", "registered": "Annuler mon inscription",
           "offered": "Je ne prends pas la place", "waitlisted": "Quitter la liste d’attente",
           "excused": "Je ne peux pas venir"},
}
OTHER = {"yes": ("non", "Je ne peux plus venir"), "no": ("oui", "Finalement, je viens")}


def _url(request: Request, token: str, choice: str) -> str:
    return f"{request.app.state.public_url}/r/{token}/{choice}"


def _check_open(request: Request, link: Link | None, now: dt.datetime) -> HTMLResponse | None:
    """The page to show instead of the form when the link cannot be used for an answer."""
    if link is None or link.event is None or link.message.kind not in links.ANSWER_KINDS:
        return unknown_link(request)
    event = link.event
    if event.status == "cancelled":
        return notice(request, "Événement annulé", "Cet événement est annulé : il n’y a plus rien à répondre.",
                      detail="Nous vous proposerons d’autres dates. Une question ? Contactez-nous.", status_code=410)
    if _aware(event.start) <= now or event.status not in places.OPEN_STATUSES:
        return notice(request, "Lien expiré",
                      "Ce lien n’est plus valable : l’événement a commencé ou a déjà eu lieu.",
                      detail="Pour toute question sur votre participation, contactez-nous.", status_code=410)
    return None


def _event_info(session: Session, event: Event) -> dict:
    return event_values(References.load(session).event_info(event))


def _participation(session: Session, link: Link) -> Participation | None:
    return session.scalar(select(Participation).where(
        Participation.candidate_id == link.candidate.id, Participation.event_id == link.event.id))


def _show(request: Request, token: str, choice: str, *, both: bool = False) -> HTMLResponse:
    """The page of one answer; with ``both``, the link to the other answer is always offered."""
    action = CHOICES[choice]
    with request.app.state.database.transaction() as session:
        link = find_link(session, token)
        closed = _check_open(request, link, utcnow())
        if closed is not None:
            return closed
        participation = _participation(session, link)
        status = participation.status if participation else "invited"
        position = places.waitlist_position(session, participation) if participation else None
        until = _aware(participation.offer_expires_at) if participation else None
        button = BUTTONS[action].get(status)
        other_choice, other_label = OTHER[action]
        unanswered = status in ("invited", "offered")
        if both and unanswered:
            other_label = BUTTONS[CHOICES[other_choice]][status]
        return page(
            request, "answer.html", title="Votre réponse" if button else "Votre réponse est enregistrée",
            event=_event_info(session, link.event), status_text=status_text(status, position, until),
            already=button is None, button=button, secondary=action == "no",
            action_url=_url(request, token, choice), csrf=keys.csrf_token(token, choice),
            other_url=_url(request, token, other_choice) if both or not unanswered else None,
            other_label=other_label,
        )


@router.get("/r/{token}/{choice}", response_class=HTMLResponse)
def answer_page(request: Request, token: str, choice: str):
    if choice not in CHOICES:
        return unknown_link(request)
    return _show(request, token, choice)


@router.get("/r/{token}", response_class=HTMLResponse)
def answer_choices(request: Request, token: str):
    """A link cut before its answer (a mail program breaking it, a copy): both answers offered."""
    return _show(request, token, "oui", both=True)


def _record(request: Request, token: str, choice: str) -> tuple[HTMLResponse, places.Answer | None, int | None]:
    state = request.app.state
    now = utcnow()
    with state.database.transaction() as session:
        link = find_link(session, token)
        closed = _check_open(request, link, now)
        if closed is not None:
            return closed, None, None
        result = places.answer(session, candidate_id=link.candidate.id, event_id=link.event.id,
                               action=CHOICES[choice], origin="web", now=now, hold=state.offer_hold,
                               transport=state.transport_name)
        event_id = link.event.id
        info = _event_info(session, link.event)
    other_choice, other_label = OTHER["yes" if result.status in ("registered", "waitlisted", "offered") else "no"]
    title, tone = {
        "registered": ("C’est noté : vous êtes inscrit·e", "done"),
        "waitlisted": ("Vous êtes sur la liste d’attente", ""),
        "declined": ("C’est noté : vous ne venez pas", "done"),
    }.get(result.status, ("Votre réponse est enregistrée", "done"))
    detail = {
        "registered": "Vous recevrez un rappel quelques jours avant. Un empêchement ? Prévenez-nous avec le lien ci-dessous : "
                      "votre place ira à une autre personne.",
        "declined": "Merci de nous avoir prévenus. Nous vous proposerons d’autres dates.",
    }.get(result.status, "")
    response = page(request, "done.html", title=title, tone=tone, detail=detail, event=info,
                    status_text=status_text(result.status, result.position, None),
                    other_url=_url(request, token, other_choice), other_label=other_label)
    return response, result, event_id


@router.post("/r/{token}/{choice}", response_class=HTMLResponse)
async def answer_post(request: Request, token: str, choice: str, background: BackgroundTasks):
    if choice not in CHOICES:
        return unknown_link(request)
    form = await read_form(request, request.app.state.max_form_bytes)
    if form is None:
        return form_too_long(request)
    if not keys.csrf_valid(token, choice, form.get("csrf")):
        return form_expired(request)
    response, result, event_id = await run_in_threadpool(_record, request, token, choice)
    if result is not None and (result.offers or result.expired):
        background.add_task(request.app.state.send_offers, event_id)
    return response


# --------------------------------------------------------------------------------------------------
# Unsubscribe


def _unsubscribe_page(request: Request, link: Link, session: Session) -> HTMLResponse:
    trade = References.load(session).trades.get(link.event.trade_key) if link.event else None
    return page(request, "unsubscribe.html", title="Ne plus recevoir nos messages", opted_out=link.candidate.opted_out,
                trade=trade, action_url=f"{request.app.state.public_url}/desinscription/{link.token}",
                csrf=keys.csrf_token(link.token, UNSUBSCRIBE))


@router.get("/desinscription/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str):
    with request.app.state.database.transaction() as session:
        link = find_link(session, token)
        if link is None:
            return unknown_link(request)
        return _unsubscribe_page(request, link, session)


def opt_out(session: Session, candidate: Candidate, *, trade_key: str | None, now: dt.datetime) -> bool:
    """Every message (``trade_key`` None) or those about one trade. Returns whether anything changed."""
    if trade_key is None:
        if candidate.opted_out:
            return False
        candidate.opted_out, candidate.opted_out_at = True, now
        return True
    if session.scalar(select(TradeOptOut.id).where(TradeOptOut.candidate_id == candidate.id,
                                                   TradeOptOut.trade_key == trade_key)) is not None:
        return False
    session.add(TradeOptOut(candidate_id=candidate.id, trade_key=trade_key, at=now))
    return True


def _unsubscribe(request: Request, token: str, scope: str) -> HTMLResponse:
    with request.app.state.database.transaction() as session:
        link = find_link(session, token)
        if link is None:
            return unknown_link(request)
        trade_key = link.event.trade_key if scope == "trade" and link.event is not None else None
        opt_out(session, link.candidate, trade_key=trade_key, now=utcnow())
        session.flush()
        if trade_key is not None:
            trade = References.load(session).trades.get(trade_key, trade_key)
            return page(request, "done.html", title="Désinscription enregistrée", tone="done",
                        status_text=f"Vous ne recevrez plus de messages sur le métier « {trade} ».",
                        detail="Vous recevrez encore nos messages sur les autres métiers qui vous intéressent.",
                        other_url=f"{request.app.state.public_url}/desinscription/{token}",
                        other_label="Ne plus recevoir aucun message")
        return page(request, "done.html", title="Désinscription enregistrée", tone="done",
                    status_text="Vous ne recevrez plus aucun message de notre part.",
                    detail="Vous avez changé d’avis ? Contactez-nous.")


@router.post("/desinscription/{token}", response_class=HTMLResponse)
async def unsubscribe_post(request: Request, token: str):
    form = await read_form(request, request.app.state.max_form_bytes)
    if form is None:
        return form_too_long(request)
    if form.get("List-Unsubscribe") == "One-Click":  # RFC 8058: the mail client's one-click POST
        return await run_in_threadpool(_unsubscribe, request, token, "all")
    if not keys.csrf_valid(token, UNSUBSCRIBE, form.get("csrf")):
        return form_expired(request, button=False)
    return await run_in_threadpool(_unsubscribe, request, token, "trade" if form.get("scope") == "trade" else "all")
