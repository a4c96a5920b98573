"""``clauses preview KIND``: render one message of a kind with sample data, to files a person opens."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clauses.config import Config
from clauses.messages import links
from clauses.messages.calendar import build_calendar, describe
from clauses.messages.compose import contact_of
from clauses.messages.mime import Outgoing, build_mime
from clauses.messages.render import CALENDAR_METHOD, KINDS, PARIS, EventInfo, MessageContext, render


def sample_context(kind: str, config: Config) -> MessageContext:
    partner, venue = config.venues()[0]
    trade = config.trades[0]
    start = dt.datetime(2026, 3, 3, 9, 0, tzinfo=PARIS)
    event = EventInfo(kind="discovery", trade_label=trade.label, start=start, end=start + dt.timedelta(hours=3),
                      place_name=venue.name, place_address=venue.address, partner_name=partner.name,
                      partner_in_sentence=partner.in_sentence,
                      uid="apercu-0001@clauses.example.org", sequence=1 if kind in ("update", "cancellation") else 0)
    poec = kind == "poec_offer"
    length = dt.timedelta(weeks=trade.poec.duration_weeks) if poec else dt.timedelta(hours=3)
    following = EventInfo(kind="poec" if poec else "discovery", trade_label=trade.label,
                          start=start + dt.timedelta(days=28), end=start + dt.timedelta(days=28) + length,
                          place_name=venue.name, place_address=venue.address, partner_name=partner.name,
                          partner_in_sentence=partner.in_sentence, hours=trade.poec.hours if poec else None)
    sample = links.links_for(links.public_url(config), "apercu")
    return MessageContext(kind=kind, first_name="Camille", last_name="Exemple", event=event,
                          unsubscribe_url=sample.unsubscribe_url,
                          yes_url=sample.yes_url if kind in links.ANSWER_KINDS else "",
                          no_url=sample.no_url if kind in links.ANSWER_KINDS else "",
                          contact=contact_of(config), previous_start=start - dt.timedelta(days=7), next_event=following)


def write_preview(kind: str, config: Config, folder: Path) -> list[Path]:
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}; expected one of {', '.join(KINDS)}")
    folder.mkdir(parents=True, exist_ok=True)
    context = sample_context(kind, config)
    rendered = render(context)
    sender = config.messaging.sender
    method = CALENDAR_METHOD.get(kind)
    ics = None
    if method:
        ics = build_calendar(context.event, method=method, organizer_email=sender.organizer_email,
                             organizer_name=sender.organizer_name, attendee_email="camille.exemple@example.net",
                             attendee_name="Camille Exemple", stamp=dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc),
                             alarm_minutes_before=config.outreach.alarm_minutes_before,
                             description=describe(context.event, contact_of(config)))
    outgoing = Outgoing(public_id="apercu", kind=kind, to_email="camille.exemple@example.net", to_name="Camille Exemple",
                        from_email=sender.from_email, from_name=sender.from_name, reply_to_email=sender.organizer_email,
                        reply_to_name=sender.organizer_name, subject=rendered.subject, text=rendered.text,
                        html=rendered.html, unsubscribe_url=context.unsubscribe_url, ics=ics, ics_method=method)
    paths = [folder / f"{kind}.html", folder / f"{kind}.txt", folder / f"{kind}.eml"]
    paths[0].write_text(rendered.html, encoding="utf-8")
    paths[1].write_text(f"Objet : {rendered.subject}\n\n{rendered.text}", encoding="utf-8")
    paths[2].write_bytes(build_mime(outgoing).as_bytes())
    if ics is not None:
        paths.append(folder / f"{kind}.ics")
        paths[-1].write_bytes(ics)
    return paths
