"""The answering pages, shared by members (logged in) and respondents with a personal link.

Both ways in reach the same three steps: the page (one dimension, saved as a whole without
JS), the autosave of one answer (JSON), and the submit. Only the URLs differ, so the views
pass an ``AnswerUrls`` and the template never names an endpoint itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import abort, flash, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..extensions import db
from ..i18n import current_language
from ..orgs.forms import EmptyForm
from ..orgs.models import Organisation
from . import services
from .forms import SubmitAnswersForm
from .models import NOTE_MAX_CHARS, Answer, Cycle, Respondent


@dataclass(frozen=True)
class AnswerUrls:
    """Where the answering page's links and forms go."""

    page: Callable[..., str]  #: page(dimension=key) -> URL of one dimension's page
    save: str  #: the autosave endpoint
    submit: str
    after_submit: str  #: where a successful submit lands
    login: str | None  #: where to log in again when a session expires (None for links)
    #: (label, URL) pairs shown above the title; empty for a personal link
    breadcrumbs: tuple[tuple[str, str], ...] = ()


def answer_page(*, cycle: Cycle, respondent: Respondent, org: Organisation, urls: AnswerUrls) -> ResponseReturnValue:
    """Show one dimension's practices (GET) or save the whole page (POST)."""
    framework = services.cycle_framework(cycle)
    lang = current_language()  # the reader's language: theirs, else the organisation's
    keys = [d.key for d in framework.dimensions]
    key = request.args.get("dimension") or keys[0]
    if key not in keys:
        abort(404)
    dimension = framework.dimension(key)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The page expired. Your answers on this page were not saved; please choose them again."), "danger")
            return redirect(urls.page(dimension=key))
        items = []
        for practice in dimension.practices:
            try:
                version = int(request.form.get(f"version-{practice.id}", "0") or 0)
            except ValueError:
                version = -1
            items.append(
                services.AnswerInput(
                    practice_id=practice.id,
                    choice=request.form.get(f"choice-{practice.id}", ""),
                    note=request.form.get(f"note-{practice.id}", ""),
                    version=version,
                )
            )
        try:
            outcome = services.answers_save_many(cycle=cycle, respondent=respondent, items=items)
        except services.CycleError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return redirect(urls.page(dimension=key)), 303
        db.session.commit()
        if outcome.conflicts:
            flash(
                _(
                    "%(ids)s changed in another window, so your choice there was not saved. "
                    "The page now shows the saved answers; check them and choose again if needed.",
                    ids=", ".join(outcome.conflicts),
                ),
                "warning",
            )
        for pid, message in outcome.errors.items():
            flash(_("%(practice)s: %(message)s", practice=pid, message=message), "danger")
        if not outcome.conflicts and not outcome.errors:
            flash(_("Answers saved."), "success")
            if request.form.get("action") == "next" and keys.index(key) + 1 < len(keys):
                key = keys[keys.index(key) + 1]
        return redirect(urls.page(dimension=key))
    mine = services.respondent_answers(respondent)
    per_dimension = {
        d.key: (sum(1 for p in d.practices if p.id in mine), len(d.practices)) for d in framework.dimensions
    }
    total = len(framework.practices)
    answered = sum(1 for p in framework.practices if p.id in mine)
    position = keys.index(key)
    return render_template(
        "cycles/answer.html",
        cycle=cycle,
        framework=framework,
        dimension=dimension,
        mine=mine,
        per_dimension=per_dimension,
        total=total,
        answered=answered,
        respondent=respondent,
        previous_key=keys[position - 1] if position else None,
        next_key=keys[position + 1] if position + 1 < len(keys) else None,
        lang=lang,
        form=form,
        submit_form=SubmitAnswersForm(),
        note_max=NOTE_MAX_CHARS,
        choice_of=services.answer_choice,
        editable=cycle.is_open,
        urls=urls,
        org_name=org.name,
        group_label=org.group_label(respondent.group),
        js_messages=js_messages(),
    )


def answer_autosave(*, cycle: Cycle, respondent: Respondent) -> ResponseReturnValue:
    """Autosave one answer (JSON); a stale version gets 409 with the current value."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = request.form.to_dict()
    try:
        version = int(data.get("version") or 0)
    except (TypeError, ValueError):
        return jsonify(error="invalid", message=_("The answer's version is not a number.")), 400
    item = services.AnswerInput(
        practice_id=str(data.get("practice_id", ""))[:10],
        choice=str(data.get("choice", "") or ""),
        note=str(data.get("note", "") or ""),
        version=version,
    )
    try:
        saved = services.answer_save(cycle=cycle, respondent=respondent, data=item)
    except services.AnswerConflict:
        db.session.rollback()
        current = db.session.scalar(
            select(Answer).where(Answer.respondent_id == respondent.id, Answer.practice_id == item.practice_id)
        )
        return jsonify(
            error="conflict",
            message=_(
                "This answer was changed in another window; your choice was not saved. The saved answer is shown below."
            ),
            current=_answer_json(current),
        ), 409
    except services.CycleError as error:
        db.session.rollback()
        code = 409 if not cycle.is_open else 400
        return jsonify(error="closed" if code == 409 else "invalid", message=str(error)), code
    db.session.commit()
    mine = services.respondent_answers(respondent)
    framework = services.cycle_framework(cycle)
    dimension_key = framework.practice(item.practice_id).dimension_key
    in_dimension = sum(1 for p in framework.dimension(dimension_key).practices if p.id in mine)
    return jsonify(
        ok=True,
        practice_id=item.practice_id,
        current=_answer_json(saved),
        answered=len(mine),
        total=len(framework.practices),
        dimension=dimension_key,
        dimension_answered=in_dimension,
    )


def answer_submit(*, cycle: Cycle, respondent: Respondent, urls: AnswerUrls) -> ResponseReturnValue:
    """Mark the respondent's answers as done; gaps need an explicit confirmation."""
    form = SubmitAnswersForm()
    if not form.validate_on_submit():
        flash(_("The page expired; please submit again."), "danger")
        return redirect(urls.page())
    framework = services.cycle_framework(cycle)
    mine = services.respondent_answers(respondent)
    skippable = services.cycle_optional(cycle)
    missing = [p.id for p in framework.practices if p.id not in mine and p.id not in skippable]
    if missing and not form.confirm_gaps.data:
        flash(
            ngettext(
                "%(num)d practice is unanswered (%(ids)s). Answer it, or tick the box to submit anyway.",
                "%(num)d practices are unanswered (%(ids)s). Answer them, or tick the box to submit anyway.",
                len(missing),
                ids=", ".join(missing[:8]) + ("…" if len(missing) > 8 else ""),
            ),
            "warning",
        )
        return redirect(urls.page(dimension=framework.practice(missing[0]).dimension_key))
    try:
        services.respondent_submit(cycle=cycle, respondent=respondent)
    except services.CycleError as error:
        flash(str(error), "danger")
        return redirect(urls.page())
    db.session.commit()
    flash(_("Thank you! Your answers are submitted. You can still change them until the cycle closes."), "success")
    return redirect(urls.after_submit)


def js_messages() -> dict[str, str]:
    """Return the answer page script's texts, translated (the script has no gettext)."""
    return {
        "na": _("Not applicable"),
        "dont_know": _("Don't know"),
        "level": _("Level %s"),
        "none": _("no answer"),
        "saving": _("Saving…"),
        "not_saved": _("Not saved"),
        "expired": _(
            "Your session has expired, so this answer was not saved. Your choice is still on this page: log in again in another tab, then come back and press “Save this page”."
        ),
        "expired_link": _(
            "Your session has expired, so this answer was not saved. Open the link from your invitation mail again in another tab, then come back and press “Save this page”."
        ),
        "login": _("Log in again (new tab)"),
        "retry": _("Try again"),
        "saved": _("Saved"),
        "saved_at": _("Saved %s"),
        "conflict_status": _("Not saved: conflict"),
        "saved_answer": _("Saved answer: %s."),
        "your_choice": _("Your choice: %s."),
        "keep": _("Keep my choice"),
        "use_saved": _("Use the saved answer"),
        "failed": _("The answer could not be saved."),
        "offline_status": _("Not saved (offline?)"),
        "offline": _(
            "The connection failed, so this answer was not saved yet. It stays on the page; change it again or press “Save this page”."
        ),
        "typing": _("Typing…"),
    }


def _answer_json(answer: Answer | None) -> dict[str, Any]:
    if answer is None:
        return {"choice": "", "note": "", "version": 0}
    return {"choice": services.answer_choice(answer), "note": answer.note, "version": answer.version_id}
