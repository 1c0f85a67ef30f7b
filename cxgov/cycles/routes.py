"""Cycle pages: list, create, respondents, targets, answering, dashboard, practice, history, export.

Who sees what (decided here, documented in docs/assessments.md, "Who sees what"):

- Sponsors and consultants (MANAGE) see everything, live, at every stage.
- While a cycle is not closed, an invited respondent sees only their own answers and no
  aggregate; any other reader sees the progress only.
- Once a cycle is closed, every member (READ) sees its stored results; evidence notes show
  the respondent's group, and names only to MANAGE.
"""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from ..audit import security_event
from ..charts import Series, gauge, level_distribution, trend_chart
from ..extensions import db
from ..i18n import current_language
from ..framework.catalog import framework_catalog, framework_catalog_for_org, frameworks_for_new_cycle
from ..framework.changes import practice_change_label, version_change_lines
from ..framework.model import Framework, text_join
from ..orgs.forms import EmptyForm
from ..orgs.models import ANSWER, MANAGE, READ, Organisation
from ..scoring.engine import history_table
from ..tenancy import current_org, current_role, org_blueprint, org_get, roles_required
from ..mail.services import MailError, mail_is_configured
from ..reports import figures
from ..reports.context import VersionMark, change_notes, quarters_of, radar_data, trend_data
from ..reports.i18n import gettext as report_gettext
from ..reports.selectors import report_accent
from ..sheets import csv_bytes
from . import exports, invitations, services
from .answering import AnswerUrls, answer_autosave, answer_page, answer_submit
from .forms import CycleCreateForm, DueDateForm, ReminderDaysForm, RespondentAddForm, RespondentExternalForm
from .models import Cycle, Respondent, period_next

bp = org_blueprint("cycles", __name__, url_prefix="/cycles")


# -- helpers -----------------------------------------------------------------------------
def _lang() -> str:
    """Return the language framework text is shown in: the page's (the reader's own choice first)."""
    return current_language()


def _can_manage() -> bool:
    return current_role() in MANAGE


def _available_frameworks() -> list[Any]:
    return frameworks_for_new_cycle(current_org())


def _profile_choices(frameworks: list[Any]) -> list[tuple[str, str]]:
    """Return the profile options of the offered frameworks (one entry per profile key)."""
    lang = _lang()
    choices = [("", _("The framework’s first profile (or each practice’s own target)"))]
    seen: set[str] = set()
    for framework in frameworks:
        for profile in framework.profiles:
            if profile.key not in seen:
                seen.add(profile.key)
                choices.append((profile.key, f"{profile.name.get(lang)}: {profile.description.get(lang)}"))
    return choices


def _framework_choice(key: str) -> Framework | None:
    return framework_catalog_for_org(current_org()).get(key)


def _dimension_titles(framework: Framework) -> dict[str, str]:
    lang = _lang()
    # text_join keeps a title shown in English (no translation yet) marked lang="en" on the page
    return {d.key: text_join((d.code, ". ", d.title.get(lang))) for d in framework.dimensions}


def _visibility(cycle: Cycle, respondent: Respondent | None) -> str:
    """Return what the current member may see of a cycle: "full", "own" or "progress"."""
    if cycle.is_closed or _can_manage():
        return "full"
    return "own" if respondent is not None else "progress"


def _respondent_or_403(cycle: Cycle) -> Respondent:
    respondent = services.respondent_for(cycle, current_user)
    if respondent is None:
        abort(403)
    return respondent


# -- list, create, history -------------------------------------------------------------
@bp.route("/")
@roles_required(READ)
def index() -> ResponseReturnValue:
    """List the organisation's cycles: period, framework, status, progress and index."""
    org = current_org()
    cycles = services.cycle_list(org)
    mine = set(
        db.session.scalars(
            select(Respondent.cycle_id).where(Respondent.org_id == org.id, Respondent.user_id == current_user.id)
        )
    )
    return render_template("cycles/index.html", cycles=cycles, mine=mine, can_answer=current_role() in ANSWER)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(MANAGE)
def new() -> ResponseReturnValue:
    """Create a cycle for a quarter on a valid framework, prefilled from the previous one."""
    org = current_org()
    frameworks = _available_frameworks()
    form = CycleCreateForm()
    form.framework.choices = [(f.key, f"{f.title.get(_lang())} (v{f.version})") for f in frameworks]
    form.profile.choices = _profile_choices(frameworks)
    if request.method == "GET":
        latest = services.cycles_for_org(org)
        if latest:
            form.period.data = period_next(latest[0].period)
            if any(f.key == latest[0].framework_key for f in frameworks):
                form.framework.data = latest[0].framework_key
            form.profile.data = latest[0].profile_key or ""
    if form.validate_on_submit():
        framework = _framework_choice(form.framework.data)
        profile_key = form.profile.data or None
        if framework is None:
            form.framework.errors = [_("Choose one of the frameworks offered.")]
        elif profile_key and framework.profile(profile_key) is None:
            form.profile.errors = [
                _(
                    "%(framework)s has no such profile; choose one of: %(profiles)s.",
                    framework=framework.title.get(_lang()),
                    profiles=", ".join(p.name.get(_lang()) for p in framework.profiles) or _("none"),
                )
            ]
        else:
            try:
                cycle = services.cycle_create(
                    org=org,
                    period=form.period.data,
                    framework=framework,
                    due_date=form.due_date.data,
                    profile_key=profile_key,
                )
            except services.CycleError as error:
                form.period.errors = [str(error)]
            else:
                db.session.commit()
                flash(
                    _(
                        "The cycle %(period)s was created as a draft. Check respondents and targets, then open it.",
                        period=cycle.period,
                    ),
                    "success",
                )
                return redirect(url_for("cycles.respondents", cycle_id=cycle.id))
    return render_template("cycles/new.html", form=form, has_frameworks=bool(frameworks))


@bp.route("/history")
@roles_required(READ)
def history() -> ResponseReturnValue:
    """Index and dimension scores per closed quarter: a trend chart and a table."""
    org = current_org()
    results = services.closed_results(org)
    latest = db.session.scalar(
        select(Cycle).where(Cycle.org_id == org.id, Cycle.status == "closed").order_by(Cycle.period.desc()).limit(1)
    )
    titles: dict[str, str] = {}
    stages: dict[str, str] = {}
    if latest is not None:
        framework = services.cycle_framework(latest)
        titles = _dimension_titles(framework)
        stages = {s.key: s.name.get(_lang()) for s in framework.stages}
    rows = history_table(results)
    keys = list(rows[0]["dimensions"]) if rows else []
    periods = [r["period"] for r in rows]
    changes = [
        (rows[i]["period"], rows[i - 1]["version"], rows[i]["version"])
        for i in range(1, len(rows))
        if rows[i]["version"] != rows[i - 1]["version"]
    ]
    series = [Series(_("Maturity index"), [r["index"] for r in rows])]
    series += [Series(titles.get(k, k), [r["dimensions"].get(k) for r in rows], style="muted") for k in keys]
    chart = (
        trend_chart(
            periods,
            series,
            title=_("Maturity index per quarter"),
            y_label=_("Index 0–100"),
            width=1040,
            height=340,
            marks=figures.version_marks(tuple(VersionMark(period, after) for period, _b, after in changes)),
        )
        if len(rows) >= 2
        else None
    )  # one dot is no trend
    return render_template(
        "cycles/history.html",
        lang=_lang(),
        rows=rows,
        keys=keys,
        titles=titles,
        stages=stages,
        chart=chart,
        version_changes=changes,
        change_lines=_version_change_lines(latest, [after for _p, _b, after in changes]),
    )


def _version_change_lines(latest: Cycle | None, versions: list[str]) -> dict[str, list[str]]:
    """Return version -> sentences naming the practices new or changed in it (history page)."""
    if latest is None or not versions:
        return {}
    lang = _lang()
    own = services.cycle_framework(latest)
    lines = {}
    for version in versions:
        framework = own if own.version == version else framework_catalog().get(own.key, version)
        if framework is not None:

            def title(pid: str, fw: Framework = framework) -> str:
                return fw.practice(pid).title.get(lang)

            # The report's gettext keeps an English title inside the translated sentence marked.
            lines[version] = version_change_lines(framework, title=title, gettext=report_gettext)
    return lines


# -- preparing a cycle -------------------------------------------------------------------
@bp.route("/<int:cycle_id>/respondents", methods=["GET", "POST"])
@roles_required(MANAGE)
def respondents(cycle_id: int) -> ResponseReturnValue:
    """Invite respondents (members or people without an account), see who has answered, remind."""
    org = current_org()
    cycle = org_get(Cycle, cycle_id)
    form = RespondentAddForm()
    external_form = RespondentExternalForm(prefix="external")
    form.user_id.choices = [(u.id, f"{u.name} <{u.email}>") for u, _m in services.invitable_members(org)]
    groups = [(g["key"], g["label"]) for g in services.org_groups(org)]
    form.group.choices = external_form.group.choices = groups
    submitted = external_form if external_form.submit.data else form
    if submitted.validate_on_submit():
        try:
            if submitted is form:
                respondent = services.respondent_invite(
                    cycle=cycle, org=org, user_id=form.user_id.data, group=form.group.data
                )
            else:
                respondent = services.respondent_add_external(
                    cycle=cycle,
                    org=org,
                    name=external_form.name.data,
                    email=external_form.email.data,
                    group=external_form.group.data,
                    language=external_form.language.data or None,
                )
            links = _invite_if_open(cycle, org, [respondent])
        except (services.CycleError, MailError) as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Respondent saved."), "success")
            _flash_links(links)
            return redirect(url_for("cycles.respondents", cycle_id=cycle.id))
    people = services.cycle_respondents(cycle)
    pending = invitations.reminder_recipients(cycle, org) if cycle.is_open else []
    return render_template(
        "cycles/respondents.html",
        cycle=cycle,
        form=form,
        external_form=external_form,
        people=people,
        counts=services.answers_by_respondent(cycle),
        n_practices=len(services.cycle_framework(cycle).practices),
        pending=pending,
        mail_state=invitations.respondents_mail_state(cycle),
        mail_configured=mail_is_configured(),
        due_form=DueDateForm(formdata=None, due_date=cycle.due_date),
        reminder_form=ReminderDaysForm(formdata=None, days=", ".join(map(str, cycle.reminder_days or []))),
        empty_form=EmptyForm(),
        lang=_lang(),
        framework=services.cycle_framework(cycle),
        respondent=services.respondent_for(cycle, current_user),
    )


def _invite_if_open(cycle: Cycle, org: Any, people: list[Respondent]) -> list[tuple[str, str]]:
    """Queue invitations for ``people`` once the cycle is open; return links to show by hand.

    While no mail server is configured the messages only reach the outbox folder, so the
    sponsor sees each personal link once, to hand it over; with a server they never see one.
    """
    if not cycle.is_open:
        return []
    sent = [invitations.respondent_invite_mail(cycle=cycle, org=org, respondent=r) for r in people]
    return _links_to_show(sent)


def _links_to_show(sent: list[invitations.SentInvitation]) -> list[tuple[str, str]]:
    if mail_is_configured():
        return []
    return [(s.respondent.display_name, s.url) for s in sent if s.personal]


def _flash_links(links: list[tuple[str, str]]) -> None:
    for name, link in links:
        flash(
            _(
                "No mail server is configured, so give %(name)s this personal link yourself: %(link)s",
                name=name,
                link=link,
            ),
            "info",
        )


@bp.route("/<int:cycle_id>/invite", methods=["POST"])
@roles_required(MANAGE)
def invite(cycle_id: int) -> ResponseReturnValue:
    """Mail an invitation to every respondent who has not had one yet."""
    org = current_org()
    cycle = org_get(Cycle, cycle_id)
    if EmptyForm().validate_on_submit():
        try:
            fresh = invitations.respondents_invite_mail(cycle=cycle, org=org)
            links = _links_to_show(fresh)
        except (services.CycleError, MailError) as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(
                ngettext("Invitation queued for %(num)d person.", "Invitations queued for %(num)d people.", len(fresh)),
                "success",
            )
            _flash_links(links)
    return redirect(url_for("cycles.respondents", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/respondents/<int:respondent_id>/link", methods=["POST"])
@roles_required(MANAGE)
def respondent_link(cycle_id: int, respondent_id: int) -> ResponseReturnValue:
    """Send a respondent a new invitation (a new personal link; the old one stops working)."""
    org = current_org()
    cycle, respondent = _cycle_respondent(cycle_id, respondent_id)
    if EmptyForm().validate_on_submit():
        try:
            sent = invitations.respondent_invite_mail(cycle=cycle, org=org, respondent=respondent)
        except (services.CycleError, MailError) as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("A new invitation to %(name)s is queued.", name=respondent.display_name), "success")
            _flash_links(_links_to_show([sent]))
    return redirect(url_for("cycles.respondents", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/respondents/<int:respondent_id>/revoke", methods=["POST"])
@roles_required(MANAGE)
def respondent_link_revoke(cycle_id: int, respondent_id: int) -> ResponseReturnValue:
    """Stop a respondent's personal link at once (a new invitation gives them a new one)."""
    cycle, respondent = _cycle_respondent(cycle_id, respondent_id)
    if EmptyForm().validate_on_submit():
        invitations.answer_link_revoke(respondent=respondent)
        security_event("answer_link_revoke", detail=f"cycle {cycle.period}", org_id=cycle.org_id)
        db.session.commit()
        flash(_("The personal link of %(name)s no longer works.", name=respondent.display_name), "success")
    return redirect(url_for("cycles.respondents", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/reminders", methods=["POST"])
@roles_required(MANAGE)
def reminder_schedule(cycle_id: int) -> ResponseReturnValue:
    """Set the days before the due date on which reminders go out by themselves."""
    cycle = org_get(Cycle, cycle_id)
    form = ReminderDaysForm()
    if not form.validate_on_submit():
        for message in form.days.errors:
            flash(str(message), "danger")
        return redirect(url_for("cycles.respondents", cycle_id=cycle.id))
    try:
        invitations.cycle_reminder_days_set(cycle=cycle, days=form.day_list())
    except services.CycleError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("Reminder schedule saved."), "success")
    return redirect(url_for("cycles.respondents", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/respondents/<int:respondent_id>/remove", methods=["POST"])
@roles_required(MANAGE)
def respondent_remove(cycle_id: int, respondent_id: int) -> ResponseReturnValue:
    """Remove a respondent (and their answers) from a cycle that is not closed."""
    cycle, respondent = _cycle_respondent(cycle_id, respondent_id)
    if EmptyForm().validate_on_submit():
        try:
            services.respondent_remove(cycle=cycle, respondent=respondent)
        except services.CycleError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Respondent removed."), "success")
    return redirect(url_for("cycles.respondents", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/due", methods=["POST"])
@roles_required(MANAGE)
def due(cycle_id: int) -> ResponseReturnValue:
    """Change the due date."""
    cycle = org_get(Cycle, cycle_id)
    form = DueDateForm()
    if form.validate_on_submit():
        try:
            services.cycle_set_due(cycle=cycle, due_date=form.due_date.data)
        except services.CycleError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Due date saved."), "success")
    else:
        flash(_("Enter a date like 2026-12-15."), "danger")
    return redirect(url_for("cycles.respondents", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/remind", methods=["POST"])
@roles_required(MANAGE)
def remind(cycle_id: int) -> ResponseReturnValue:
    """Mail a reminder to everyone who has not submitted (and has not opted out)."""
    org = current_org()
    cycle = org_get(Cycle, cycle_id)
    if EmptyForm().validate_on_submit():
        try:
            pending = invitations.respondents_remind_mail(cycle=cycle, org=org)
        except (services.CycleError, MailError) as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(
                ngettext("Reminder queued for %(num)d person.", "Reminders queued for %(num)d people.", len(pending)),
                "success",
            )
    return redirect(url_for("cycles.respondents", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/targets", methods=["GET", "POST"])
@roles_required(MANAGE)
def targets(cycle_id: int) -> ResponseReturnValue:
    """Set each practice's target level for this cycle, grouped by dimension."""
    cycle = org_get(Cycle, cycle_id)
    framework = services.cycle_framework(cycle)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        values: dict[str, int] = {}
        bad = []
        for practice in framework.practices:
            raw = request.form.get(f"target-{practice.id}", "")
            if raw in {"1", "2", "3", "4", "5"}:
                values[practice.id] = int(raw)
            elif raw != "":
                bad.append(practice.id)
        if bad:
            flash(_("Choose a level from 1 to 5 for %(ids)s.", ids=", ".join(bad)), "danger")
        else:
            try:
                services.cycle_targets_set(cycle=cycle, targets=values)
            except services.CycleError as error:
                flash(str(error), "danger")
            else:
                db.session.commit()
                flash(_("Targets saved."), "success")
                return redirect(url_for("cycles.targets", cycle_id=cycle.id))
    return render_template(
        "cycles/targets.html",
        cycle=cycle,
        framework=framework,
        form=form,
        current=services.cycle_targets(cycle),
        lang=_lang(),
        profile=services.cycle_profile(cycle),
        respondent=services.respondent_for(cycle, current_user),
    )


@bp.route("/<int:cycle_id>/open", methods=["POST"])
@roles_required(MANAGE)
def open_cycle(cycle_id: int) -> ResponseReturnValue:
    """Open a draft cycle for answering."""
    cycle = org_get(Cycle, cycle_id)
    if EmptyForm().validate_on_submit():
        try:
            services.cycle_open(cycle=cycle)
        except services.CycleError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("The cycle %(period)s is open for answers.", period=cycle.period), "success")
    return redirect(url_for("cycles.dashboard", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/close", methods=["POST"])
@roles_required(MANAGE)
def close(cycle_id: int) -> ResponseReturnValue:
    """Close the cycle: freeze answers and store the results."""
    cycle = org_get(Cycle, cycle_id)
    if EmptyForm().validate_on_submit():
        try:
            services.cycle_close(cycle=cycle, org=current_org(), by=current_user)
        except services.CycleError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(
                _("The cycle %(period)s is closed; its results are stored and will not change.", period=cycle.period),
                "success",
            )
    return redirect(url_for("cycles.dashboard", cycle_id=cycle.id))


# -- answering ---------------------------------------------------------------------------
def _cycle_respondent(cycle_id: int, respondent_id: int) -> tuple[Cycle, Respondent]:
    """Return the cycle and one of its respondents, both of this organisation, else 404."""
    cycle = org_get(Cycle, cycle_id)
    respondent = org_get(Respondent, respondent_id)
    if respondent.cycle_id != cycle.id:
        abort(404)
    return cycle, respondent


def _member_answer_urls(cycle: Cycle) -> AnswerUrls:
    return AnswerUrls(
        page=lambda **values: url_for("cycles.answer", cycle_id=cycle.id, **values),
        save=url_for("cycles.answer_save", cycle_id=cycle.id),
        submit=url_for("cycles.submit", cycle_id=cycle.id),
        after_submit=url_for("cycles.dashboard", cycle_id=cycle.id),
        login=url_for("auth.login"),
        breadcrumbs=(
            (_("Assessments"), url_for("cycles.index")),
            (cycle.period, url_for("cycles.dashboard", cycle_id=cycle.id)),
        ),
    )


@bp.route("/<int:cycle_id>/answer", methods=["GET", "POST"])
@roles_required(ANSWER)
def answer(cycle_id: int) -> ResponseReturnValue:
    """Answer one dimension per page; the submit button saves the whole page without JS."""
    cycle = org_get(Cycle, cycle_id)
    return answer_page(
        cycle=cycle, respondent=_respondent_or_403(cycle), org=current_org(), urls=_member_answer_urls(cycle)
    )


@bp.route("/<int:cycle_id>/answer/save", methods=["POST"])
@roles_required(ANSWER)
def answer_save(cycle_id: int) -> ResponseReturnValue:
    """Autosave one answer (JSON); a stale version gets 409 with the current value."""
    cycle = org_get(Cycle, cycle_id)
    respondent = services.respondent_for(cycle, current_user)
    if respondent is None:
        return jsonify(error="not_respondent", message=_("You are not a respondent of this cycle.")), 403
    return answer_autosave(cycle=cycle, respondent=respondent)


@bp.route("/<int:cycle_id>/submit", methods=["POST"])
@roles_required(ANSWER)
def submit(cycle_id: int) -> ResponseReturnValue:
    """Mark the respondent's answers as done; gaps need an explicit confirmation."""
    cycle = org_get(Cycle, cycle_id)
    return answer_submit(cycle=cycle, respondent=_respondent_or_403(cycle), urls=_member_answer_urls(cycle))


# -- results -----------------------------------------------------------------------------
@bp.route("/<int:cycle_id>/")
@roles_required(READ)
def dashboard(cycle_id: int) -> ResponseReturnValue:
    """The cycle dashboard: progress, index and stage, dimensions, gaps, movers and flags."""
    org = current_org()
    cycle = org_get(Cycle, cycle_id)
    respondent = services.respondent_for(cycle, current_user)
    visibility = _visibility(cycle, respondent)
    progress = services.cycle_progress(cycle)
    framework = services.cycle_framework(cycle)
    lang = _lang()
    context: dict[str, Any] = dict(
        cycle=cycle,
        progress=progress,
        visibility=visibility,
        respondent=respondent,
        framework=framework,
        lang=lang,
        empty_form=EmptyForm(),
        can_manage=_can_manage(),
    )
    if visibility == "own" and respondent is not None:  # "own" means there is a respondent
        context["mine"] = services.respondent_answers(respondent)
        context["choice_of"] = services.answer_choice
        return render_template("cycles/dashboard.html", **context)
    if visibility == "progress":
        return render_template("cycles/dashboard.html", **context)
    result = services.cycle_score(cycle=cycle, org=org)
    titles = _dimension_titles(framework)
    practice_titles = {p.id: p.title.get(lang) for p in framework.practices}
    stage = framework.stage_for(result.index) if result.index is not None else None
    # The charts come from the report's plain data through the report's figures, so the
    # dashboard and the report draw the same picture from the same numbers.
    quarters = quarters_of(cycle.period, result, services.closed_results(org))
    radar = radar_data(framework, quarters, lang)
    accent = report_accent(org)
    change_note = change_notes(framework, quarters)
    movers = result.biggest_movers(5)
    context.update(
        result=result,
        stage=stage,
        titles=titles,
        practice_titles=practice_titles,
        gauge=gauge(result.index, digits=0),  # whole index points, as in the report
        bars=figures.dimension_bars(radar, accent),
        radar=figures.dimension_profile(radar, quarters.previous_period, accent)
        if figures.shows_radar(radar)
        else None,
        trend=figures.trend(trend_data(framework, quarters, lang), accent) if len(quarters.series) > 1 else None,
        top_gaps=result.top_gaps(5),
        movers=movers,
        change_notes={p.practice_id: change_note(p.practice_id) for p in [*result.top_gaps(5), *movers]},
        perception=result.perception_flags()[:6],
        disagreements=result.disagreements()[:6],
        group_label=org.group_label,
        level_names=[n.get(lang) for n in framework.level_names],
    )
    return render_template("cycles/dashboard.html", **context)


def _practice_history(org: Organisation, cycle: Cycle, framework: Framework, practice_id: str) -> list[dict[str, Any]]:
    """Return this practice's earlier closed quarters, read through the version maps.

    A quarter on an earlier version shows the score of the practice(s) this one comes from;
    where the practice did not exist yet the row says so instead of showing a number.
    """
    rows = []
    for period, result in services.closed_results_on(org, framework):
        if period >= cycle.period:
            continue
        earlier = result._by_id.get(practice_id) if result is not None else None
        rows.append(
            {"period": period, "version": (result.framework_version if result is not None else None), "result": earlier}
        )
    return rows


@bp.route("/<int:cycle_id>/practices/<practice_id>")
@roles_required(READ)
def practice(cycle_id: int, practice_id: str) -> ResponseReturnValue:
    """One practice in one cycle: answers by group, evidence notes, target and gap."""
    org = current_org()
    cycle = org_get(Cycle, cycle_id)
    framework = services.cycle_framework(cycle)
    try:
        item = framework.practice(practice_id)
    except KeyError:
        abort(404)
    respondent = services.respondent_for(cycle, current_user)
    visibility = _visibility(cycle, respondent)
    lang = _lang()
    context: dict[str, Any] = dict(
        cycle=cycle,
        practice=item,
        framework=framework,
        lang=lang,
        change_label=practice_change_label(framework, item.id),
        visibility=visibility,
        can_manage=_can_manage(),
        dimension=framework.dimension(item.dimension_key),
        level_names=[n.get(lang) for n in framework.level_names],
        target=services.cycle_targets(cycle)[item.id],
    )
    if visibility == "own" and respondent is not None:  # "own" means there is a respondent
        context["own"] = services.respondent_answers(respondent).get(item.id)
        context["choice_of"] = services.answer_choice
        return render_template("cycles/practice.html", **context)
    if visibility == "progress":
        return render_template("cycles/practice.html", **context)
    rows = services.cycle_answers(cycle)
    result = services.cycle_score(cycle=cycle, org=org, answers=rows)
    pr = result.practice(item.id)
    mine_rows = [(a, g, u) for a, g, u in rows if a.practice_id == item.id]
    # Names by respondent, so people without an account (answering by link) are named too.
    names = services.respondent_names(cycle) if _can_manage() else {}
    groups = []
    for g in services.org_groups(org):
        counts = {lvl: 0 for lvl in range(1, 6)}
        other = {"na": 0, "dont_know": 0}
        for a, group, _u in mine_rows:
            if group != g["key"]:
                continue
            if a.kind == "level":
                counts[a.level] += 1
            else:
                other[a.kind] += 1
        groups.append(
            {
                "key": g["key"],
                "label": g["label"],
                "counts": counts,
                "other": other,
                "level": pr.group_levels.get(g["key"]),
                "n": pr.group_counts.get(g["key"], 0),
                "chart": level_distribution(counts, width=240, height=64),
            }
        )
    notes = [
        {
            "group": org.group_label(g),
            "name": names.get(a.respondent_id, ("", ""))[0] or None,
            "note": a.note,
            "choice": services.answer_choice(a),
        }
        for a, g, _u in mine_rows
        if a.note
    ]
    context.update(
        pr=pr,
        groups=groups,
        notes=notes,
        overall_chart=level_distribution(pr.distribution, width=300, height=80),
        earlier=_practice_history(org, cycle, framework, item.id),
    )
    return render_template("cycles/practice.html", **context)


@bp.route("/<int:cycle_id>/export.<fmt>")
@roles_required(READ)
def export(cycle_id: int, fmt: str) -> ResponseReturnValue:
    """Download answers (long form), practice scores and gaps as XLSX, or one sheet as CSV."""
    org = current_org()
    cycle = org_get(Cycle, cycle_id)
    if fmt not in ("xlsx", "csv"):
        abort(404)
    if not cycle.is_closed and not _can_manage():
        abort(403)
    tables = exports.cycle_tables(
        cycle=cycle, org=org, include_names=_can_manage(), lang=request.args.get("lang") or None
    )
    security_event("export", detail=f"cycle {cycle.period} {fmt}")
    stem = f"{org.slug}-{cycle.period}"
    if fmt == "xlsx":
        return send_file(
            io.BytesIO(exports.cycle_xlsx(tables)),
            as_attachment=True,
            download_name=f"{stem}.xlsx",
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    # ?sheet= names a sheet by its key, in any case (the page's buttons send "answers")
    wanted = request.args.get("sheet", "Answers").casefold()
    sheet = next((key for key in tables if key.casefold() == wanted), None)
    if sheet is None:
        abort(404)
    data = csv_bytes(tables[sheet])
    return send_file(
        io.BytesIO(data), as_attachment=True, download_name=f"{stem}-{sheet.lower()}.csv", mimetype="text/csv"
    )
