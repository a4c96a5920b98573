"""What an employer does from its invitation to a recruitment event, without an account: answer
("Nous venons" / "Nous ne pourrons pas venir") and unsubscribe.

As for candidates (``clauses.web.answers``): a GET only shows a page with one button, the button's
POST (same URL, with the page's CSRF token) acts, and repeating it changes nothing more; a link cut
before its answer offers both. Links stop working for answers when the event starts.

**Employer places.** A "yes" takes one of the event's ``employer_capacity`` places (counted under the
event's lock, as candidates' places are: two companies cannot both take the last one); when they are
all taken the company is put on the waiting list and told so. A "no" frees its place: the next
invitation run invites the next company in line (``clauses.outreach.employers``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.ingest.awardees import public_label
from clauses.messages import links
from clauses.messages.compose import References
from clauses.messages.render import event_values
from clauses.outreach import places
from clauses.outreach.employers import INVITATION, employer_capacity
from clauses.storage.answers import MessageToken
from clauses.storage.base import utcnow
from clauses.storage.companies import Company
from clauses.storage.employers import CompanyContact, EmployerParticipation
from clauses.storage.outreach import Message
from clauses.storage.planning import Event
from clauses.web import keys
from clauses.web.pages import form_expired, form_too_long, notice, page, read_form, unknown_link

router = APIRouter()

CHOICES = {"oui": "yes", "non": "no"}
UNSUBSCRIBE = "employer-unsubscribe"
BUTTONS = {
    "yes": {"invited": "Nous venons", "declined": "Finalement, nous venons"},
    "no": {"invited": "Nous ne pourrons pas venir", "registered": "Annuler notre venue",
           "waitlisted": "Quitter la liste d’attente"},
}
OTHER = {"yes": ("non", "Nous ne pourrons plus venir"), "no": ("oui", "Finalement, nous venons")}
STATUS_TEXT = {
    "invited": "Vous n’avez pas encore répondu.",
    "registered": "Votre venue est enregistrée : nous vous attendons.",
    "waitlisted": "Les places employeurs sont toutes prises : vous êtes sur la liste d’attente. "
                  "Nous vous écrirons si une place se libère.",
    "declined": "Vous nous avez dit ne pas pouvoir venir.",
}


@dataclass
class EmployerLink:
    token: str
    message: Message
    company: Company
    event: Event | None


def find_link(session: Session, token: str) -> EmployerLink | None:
    if not token or len(token) > 64:
        return None
    row = session.execute(
        select(Message, Company)
        .join(MessageToken, MessageToken.message_id == Message.id)
        .join(Company, Company.id == Message.company_id)
        .where(MessageToken.token_hash == links.token_hash(token), Message.candidate_id.is_(None))
    ).first()
    if row is None:
        return None
    message, company = row
    event = session.get(Event, message.event_id) if message.event_id else None
    return EmployerLink(token, message, company, event)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _closed(request: Request, link: EmployerLink | None, now: dt.datetime) -> HTMLResponse | None:
    if link is None or link.event is None or link.message.kind != INVITATION:
        return unknown_link(request)
    if link.event.status == "cancelled":
        return notice(request, "Rencontre annulée", "Cette rencontre est annulée : il n’y a plus rien à répondre.",
                      detail="Nous vous proposerons une nouvelle date.", status_code=410)
    if _aware(link.event.start) <= now or link.event.status not in places.OPEN_STATUSES:
        return notice(request, "Lien expiré", "Ce lien n’est plus valable : la rencontre a commencé ou a déjà eu lieu.",
                      detail="Pour toute question, contactez-nous.", status_code=410)
    return None


def _participation(session: Session, link: EmployerLink) -> EmployerParticipation | None:
    return session.scalar(select(EmployerParticipation).where(
        EmployerParticipation.event_id == link.event.id, EmployerParticipation.company_id == link.company.id))


def _url(request: Request, token: str, choice: str) -> str:
    return f"{request.app.state.public_url}/entreprise/{token}/{choice}"


def _label(company: Company) -> str:
    return public_label(company.identifier_type, company.identifier, company.name, company.person_like)


def answer(session: Session, config: Config, *, event_id: int, company_id: int, action: str, origin: str,
           now: dt.datetime) -> str:
    """Record a company's answer under the event's lock; returns its status afterwards."""
    event = places.lock_event(session, event_id)
    row = session.scalar(select(EmployerParticipation).where(
        EmployerParticipation.event_id == event_id, EmployerParticipation.company_id == company_id))
    if row is None:
        row = EmployerParticipation(event_id=event_id, company_id=company_id, status="invited", status_at=now, origin=origin)
        session.add(row)
    if action == "yes":
        if row.status == "registered" or row.status == "waitlisted":
            return row.status
        taken = session.scalar(select(func.count()).select_from(EmployerParticipation).where(
            EmployerParticipation.event_id == event_id, EmployerParticipation.status == "registered")) or 0
        new = "registered" if taken < employer_capacity(event, config) else "waitlisted"
    else:
        if row.status == "declined":
            return row.status
        new = "declined"
    row.status, row.status_at, row.origin = new, now, origin
    session.flush()
    return new


def _show(request: Request, token: str, choice: str, *, both: bool = False) -> HTMLResponse:
    """The page of one answer; with ``both``, the link to the other answer is always offered."""
    action = CHOICES[choice]
    with request.app.state.database.transaction() as session:
        link = find_link(session, token)
        closed = _closed(request, link, utcnow())
        if closed is not None:
            return closed
        participation = _participation(session, link)
        status = participation.status if participation else "invited"
        button = BUTTONS[action].get(status)
        other_choice, other_label = OTHER[action]
        if both and status == "invited":
            other_label = BUTTONS[CHOICES[other_choice]][status]
        return page(
            request, "answer.html", title=f"Votre réponse – {_label(link.company)}",
            event=event_values(References.load(session).event_info(link.event)),
            status_text=STATUS_TEXT.get(status, "Votre réponse est enregistrée."), already=button is None,
            button=button, secondary=action == "no", action_url=_url(request, token, choice),
            csrf=keys.csrf_token(token, f"entreprise-{choice}"),
            other_url=_url(request, token, other_choice) if both or status != "invited" else None, other_label=other_label,
        )


def _record(request: Request, token: str, choice: str) -> HTMLResponse:
    state = request.app.state
    now = utcnow()
    with state.database.transaction() as session:
        link = find_link(session, token)
        closed = _closed(request, link, now)
        if closed is not None:
            return closed
        status = answer(session, state.config, event_id=link.event.id, company_id=link.company.id,
                        action=CHOICES[choice], origin="web", now=now)
        info = event_values(References.load(session).event_info(link.event))
    title = {"registered": "C’est noté : nous vous attendons", "waitlisted": "Vous êtes sur la liste d’attente",
             "declined": "C’est noté : vous ne venez pas"}[status]
    other_choice, other_label = OTHER["yes" if status in ("registered", "waitlisted") else "no"]
    return page(request, "done.html", title=title, tone="done" if status != "waitlisted" else "",
                status_text=STATUS_TEXT[status], detail="", event=info,
                other_url=_url(request, token, other_choice), other_label=other_label)


def answer_page(request: Request, token: str, choice: str):
    if choice not in CHOICES:
        return unknown_link(request)
    return _show(request, token, choice)


def answer_choices(request: Request, token: str):
    """A link cut before its answer: both answers offered."""
    return _show(request, token, "oui", both=True)


async def answer_post(request: Request, token: str, choice: str):
    if choice not in CHOICES:
        return unknown_link(request)
    form = await read_form(request, request.app.state.max_form_bytes)
    if form is None:
        return form_too_long(request)
    if not keys.csrf_valid(token, f"entreprise-{choice}", form.get("csrf")):
        return form_expired(request)
    return await run_in_threadpool(_record, request, token, choice)


# --------------------------------------------------------------------------------------------------
# Unsubscribe: the company's contact gets no more invitations.


def opt_out(session: Session, company_id: int, now: dt.datetime) -> bool:
    contact = session.scalar(select(CompanyContact).where(CompanyContact.company_id == company_id))
    if contact is None or contact.opted_out:
        return False
    contact.opted_out, contact.opted_out_at = True, now
    return True


@router.get("/entreprise/desinscription/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str):
    with request.app.state.database.transaction() as session:
        link = find_link(session, token)
        if link is None:
            return unknown_link(request)
        contact = session.scalar(select(CompanyContact).where(CompanyContact.company_id == link.company.id))
        if contact is not None and contact.opted_out:
            return notice(request, "Ne plus recevoir nos invitations", "Vous ne recevez plus nos invitations.")
        return page(request, "employer_unsubscribe.html", title="Ne plus recevoir nos invitations",
                    company=_label(link.company),
                    action_url=f"{request.app.state.public_url}/entreprise/desinscription/{token}",
                    csrf=keys.csrf_token(token, UNSUBSCRIBE))


def _unsubscribe(request: Request, token: str) -> HTMLResponse:
    with request.app.state.database.transaction() as session:
        link = find_link(session, token)
        if link is None:
            return unknown_link(request)
        opt_out(session, link.company.id, utcnow())
    return page(request, "done.html", title="Désinscription enregistrée", tone="done",
                status_text="Vous ne recevrez plus nos invitations aux rencontres de recrutement.",
                detail="Vous avez changé d’avis ? Contactez-nous.")


@router.post("/entreprise/desinscription/{token}", response_class=HTMLResponse)
async def unsubscribe_post(request: Request, token: str):
    form = await read_form(request, request.app.state.max_form_bytes)
    if form is None:
        return form_too_long(request)
    if form.get("List-Unsubscribe") != "One-Click" and not keys.csrf_valid(token, UNSUBSCRIBE, form.get("csrf")):
        return form_expired(request, button=False)
    return await run_in_threadpool(_unsubscribe, request, token)


# After the unsubscribe routes: "/entreprise/desinscription/…" must not be read as a token.
router.add_api_route("/entreprise/{token}/{choice}", answer_page, methods=["GET"], response_class=HTMLResponse)
router.add_api_route("/entreprise/{token}", answer_choices, methods=["GET"], response_class=HTMLResponse)
router.add_api_route("/entreprise/{token}/{choice}", answer_post, methods=["POST"], response_class=HTMLResponse)
