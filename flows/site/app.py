"""The site's pages: a small Starlette app, Jinja2 templates from report_templates/site/.

Every page and download checks the user's rights on the server (accounts.User), sessions are
signed HttpOnly SameSite cookies, every form that changes state carries a CSRF token, repeated
failed logins are slowed down, uploads are limited in size and type and kept under their content
hash. No page loads anything from another site: the CSS and the Chinese font are served from
here, and there is no script at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import math
import os
import re
import secrets
import threading
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flows.ingest.submissions import read_inbox_submissions
from flows.settings import CHINA, DEMO_DATA_DIR, TEMPLATE_DIR, Configs
from flows.site.accounts import (
    ROLE_DEPARTMENT,
    USERS_FILE,
    Accounts,
    LoginThrottle,
    User,
)
from flows.site.board import ZONE_DATASETS, Board, zone_previewable, zones_of
from flows.site.checking import Checker
from flows.site.inbox import (
    ORDER,
    SubmissionFrames,
    assemble,
    inbox_dir,
    write_inbox,
)
from flows.site.nights import NightlyHistory, default_nightly_dir, runs_of
from flows.site.preview import Previewer, PreviewUnavailable
from flows.site.store import STATUS_CRITICAL, Submission, SubmissionStore
from flows.validation.annotated import annotate, annotated_name
from flows.validation.comparison import by_dataset, compare
from flows.validation.ge_runner import import_great_expectations
from flows.validation.validate import validate_step
from transforms.contract import DATASETS, region_cities
from transforms.findings import Severity
from transforms.submission_scope import SCOPE_PROVINCE, dataset_scope

log = logging.getLogger("etdz.site")

SITE_TEMPLATES = TEMPLATE_DIR / "site"
FONTS_DIR = TEMPLATE_DIR / "fonts"
SECRET_FILE = "site-secret.key"
SESSION_COOKIE = "etdz_session"
UPLOAD_PATH = "/submit"
SUFFIXES = (".csv", ".xlsx")
# Letters of any script, digits, spaces and a few marks; no path separator, no "..".
SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f<>:\"|?*]{1,120}$")
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024


@dataclass
class SiteConfig:
    root: Path
    year: int
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    secure_cookies: bool = False  # True behind HTTPS: the cookie is never sent in clear
    session_hours: float = 8.0
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    configs: Configs | None = None  # policy and methodology for previews (defaults)
    warm_up: bool = True  # import Great Expectations and check the inbox once at start
    # where the nightly run of this year's inbox writes (None: ROOT/nightly/<year>)
    nightly_dir: Path | None = None


def session_secret(root: Path) -> str:
    """ETDZ_SITE_SECRET, else a random key kept in ROOT/site-secret.key (mode 0600): sessions
    survive a restart, and nobody who cannot read the site's folder can forge one."""
    configured = os.environ.get("ETDZ_SITE_SECRET")
    if configured:
        return configured
    path = root / SECRET_FILE
    if not path.is_file():
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def upload_name_problem(name: str) -> str | None:
    """Why an uploaded file's name is refused, or None. The name is only ever shown: the file
    is stored under its hash, but a name with a path in it is a sign of a forged request."""
    if not name:
        return "没有选择文件"
    base = name.strip()
    if not SAFE_NAME.match(base) or ".." in base or base.startswith("."):
        return "文件名不合规（不能含路径、“..”或特殊字符），请把文件改名为如“园区年度统计.xlsx”后再提交"
    if Path(base).suffix.lower() not in SUFFIXES:
        return "只接受 .xlsx 或 .csv 文件（WPS 的 .et、旧版 .xls 请先另存为 .xlsx）"
    return None


def content_problem(data: bytes, suffix: str) -> str | None:
    """Whether the bytes are what the name says: an .xlsx is a zip, a CSV is text."""
    if not data:
        return "文件是空的"
    if suffix == ".xlsx" and not data.startswith(b"PK\x03\x04"):
        return "文件扩展名是 .xlsx，但内容不是 Excel 工作簿；请用 Excel 或 WPS 另存为 .xlsx 后再提交"
    if suffix == ".csv" and (data.startswith(b"PK\x03\x04") or b"\x00" in data[:65536]):
        return "文件扩展名是 .csv，但内容不是文本表格；Excel 工作簿请以 .xlsx 提交"
    return None


class UploadLimit:
    """Refuses an upload larger than the limit before it is parsed: by its Content-Length at
    once, else while reading (a chunked body is counted as it arrives)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _too_large(scope, send, self.limit)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await _too_large(scope, send, self.limit)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    text = (f"<!doctype html><meta charset=utf-8><title>文件过大</title>"
            f"<p>提交的文件超过上限 {limit // (1024 * 1024)} MB，未保存。请删除多余的工作表或行后再提交。</p>")
    response = HTMLResponse(text, status_code=413, headers={"Connection": "close"})
    await response(scope, _discard, send)


async def _discard() -> Message:
    return {"type": "http.disconnect"}


class LoginRequired(Exception):
    pass


class Site:
    """Everything the pages need, shared by all requests of one process."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.root, self.year = config.root, config.year
        self.root.mkdir(parents=True, exist_ok=True)
        self.accounts = Accounts(self.root / USERS_FILE, region_cities())
        self.store = SubmissionStore(self.root)
        self.frames = SubmissionFrames(self.store)
        self.checker = Checker(self.root, self.year)
        self.board = Board(self.store)
        self.nights = NightlyHistory(config.nightly_dir
                                     or default_nightly_dir(self.root, self.year))
        self.previewer = Previewer(self.root, self.year,
                                   config.configs or Configs.load(None, None),
                                   read_inbox=self.checker.inbox_read,
                                   validation_lock=self.checker.lock)
        self._inbox_lock = threading.Lock()
        self.env = Environment(loader=FileSystemLoader(SITE_TEMPLATES), autoescape=True,
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(year=self.year, datasets=DATASETS, Severity=Severity)

    # --- work (plain methods: the pages, seeding and the benchmark use them) ---------------

    def warm_up(self) -> None:
        """Import Great Expectations (8-10 s) once, and validate the current inbox once so
        that its unchanged suites are reused by the first submission's check."""
        import_great_expectations()
        self.refresh_inbox()
        inbox = self.checker.inbox()
        if inbox.frames:
            validate_step(inbox)

    def refresh_inbox(self) -> Path:
        with self._inbox_lock:
            assembly = assemble(self.store.for_year(self.year), self.frames)
            return write_inbox(self.root, self.year, assembly)

    def submit(self, user: User, city: str, dataset: str, file: str, data: bytes,
               now: dt.datetime | None = None) -> Submission:
        """Keep the file, check it against the inbox, record it with its findings, and
        re-assemble the inbox when it has no critical finding."""
        suffix = Path(file).suffix.lower()
        sha, stored = self.store.keep_file(data, suffix)
        rows, findings = self.checker.check(stored, dataset, file, city)
        sub = self.store.record(year=self.year, city=city, dataset=dataset, file=file,
                                sha256=sha, stored=stored, submitted_by=user.name,
                                submitted_at=now or dt.datetime.now(CHINA), rows=rows,
                                findings=findings)
        if sub.status != STATUS_CRITICAL:
            self.refresh_inbox()
        return sub

    def seed_demo(self, user: User) -> list[Submission]:
        """The bundled demo data as department submissions for the whole region (once)."""
        if self.store.for_year(self.year):
            return []
        subs = []
        for dataset in ORDER:
            for path in sorted(DEMO_DATA_DIR.glob(f"{dataset}.*")):
                if path.suffix.lower() in SUFFIXES:
                    subs.append(self.submit(user, "", dataset, path.name, path.read_bytes()))
        return subs

    def inbox_submission_ids(self) -> set[str]:
        return {s["submission_id"]
                for s in read_inbox_submissions(inbox_dir(self.root, self.year))}

    def annotated_copy(self, sub: Submission) -> Path:
        target = self.root / "annotated" / f"{sub.submission_id}.xlsx"
        if not target.is_file():
            annotate(self.store.path_of(sub), self.store.findings(sub.submission_id), target,
                     dataset=sub.dataset, file=sub.file, year=sub.year)
        return target

    # --- pages -------------------------------------------------------------------------------

    def page(self, request: Request, template: str, status_code: int = 200,
             **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(
            request=request, user=context.pop("user", None), csrf=csrf_token(request),
            **context)
        return HTMLResponse(html, status_code=status_code)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, form: Any) -> None:
    sent = str(form.get("csrf_token") or request.headers.get("x-csrf-token") or "")
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "请求缺少有效的安全令牌（CSRF），未做任何修改。请刷新页面后重试。")


def current_user(site: Site, request: Request) -> User:
    user = site.accounts.get(request.session.get("user", ""))
    if user is None:
        raise LoginRequired()
    return user


def forbidden(what: str) -> HTTPException:
    return HTTPException(403, f"您的账号无权{what}。")


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def routes(site: Site) -> list[Route]:
    def handler(fn: Callable[[Request], Awaitable[Response]]
                ) -> Callable[[Request], Awaitable[Response]]:
        async def wrapped(request: Request) -> Response:
            try:
                response = await fn(request)
            except LoginRequired:
                target = urllib.parse.quote(request.url.path)
                return RedirectResponse(f"/login?next={target}", status_code=303)
            response.headers.setdefault("Cache-Control", "no-store")
            return response
        return wrapped

    async def home(request: Request) -> Response:
        user = current_user(site, request)
        return RedirectResponse("/status" if user.may_see_board() else "/reports", 303)

    async def login_form(request: Request) -> Response:
        nxt = request.query_params.get("next", "/")
        return site.page(request, "login.html", next=nxt if nxt.startswith("/") else "/")

    async def login(request: Request) -> Response:
        form = await request.form()
        check_csrf(request, form)
        name = str(form.get("username", "")).strip()
        password = str(form.get("password", ""))
        nxt = str(form.get("next", "/"))
        # only a page of this site: "//host" and "/\\host" would leave it
        nxt = nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt \
            else "/"
        keys = [f"user:{name.lower()}", f"addr:{_client(request)}"]
        wait = site.config.throttle.wait_seconds(keys)
        if wait > 0:
            return site.page(request, "login.html", status_code=429, next=nxt, username=name,
                             error=f"登录失败次数过多，请 {math.ceil(wait)} 秒后再试。")
        user = await asyncio.to_thread(site.accounts.authenticate, name, password)
        if user is None:
            site.config.throttle.failed(keys)
            log.warning("failed login for %r from %s", name, _client(request))
            return site.page(request, "login.html", status_code=401, next=nxt, username=name,
                             error="用户名或密码不正确。")
        site.config.throttle.succeeded(keys)
        request.session.clear()  # a new session: nothing from before the login carries over
        request.session.update({"user": user.name, "csrf": secrets.token_urlsafe(32)})
        return RedirectResponse(nxt, status_code=303)

    async def logout(request: Request) -> Response:
        form = await request.form()
        check_csrf(request, form)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    def submit_choices(user: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        datasets = [(name, ds.label) for name, ds in DATASETS.items()
                    if user.role == ROLE_DEPARTMENT or dataset_scope(name) != SCOPE_PROVINCE]
        cities = ([("", "全区（所有设区市）")] + [(c, c) for c in region_cities()]
                  if user.role == ROLE_DEPARTMENT else [(user.city, user.city)])
        return datasets, cities

    async def submit_form(request: Request) -> Response:
        user = current_user(site, request)
        if not user.may_submit():
            raise forbidden("提交数据")
        datasets, cities = submit_choices(user)
        return site.page(request, "submit.html", user=user, dataset_choices=datasets,
                         city_choices=cities, max_mb=site.config.max_upload_bytes // 2**20)

    async def submit(request: Request) -> Response:
        user = current_user(site, request)
        form = await request.form(max_files=1, max_fields=10)
        check_csrf(request, form)
        if not user.may_submit():
            raise forbidden("提交数据")
        datasets, cities = submit_choices(user)
        dataset = str(form.get("dataset", ""))
        city = str(form.get("city", user.city))
        if not user.may_submit_for(city):
            raise forbidden(f"提交{city or '全区'}的数据")
        if dataset not in dict(datasets):
            raise HTTPException(400, "请选择要提交的数据集。")
        if dataset_scope(dataset) == SCOPE_PROVINCE and city:
            # the inbox takes province-wide data from region-wide submissions only
            raise HTTPException(400, f"“{DATASETS[dataset].label}”是全区数据，设区市请选择“全区（所有设区市）”。")
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(400, "没有选择文件。")
        name = upload.filename or ""
        problem = upload_name_problem(name)
        data = await upload.read(site.config.max_upload_bytes + 1)
        if problem is None and len(data) > site.config.max_upload_bytes:
            raise HTTPException(413, "提交的文件超过上限，未保存。")
        problem = problem or content_problem(data, Path(name).suffix.lower())
        if problem:
            raise HTTPException(400, problem + "。文件未保存。")
        sub = await asyncio.to_thread(site.submit, user, city, dataset, name.strip(), data)
        return RedirectResponse(f"/submissions/{sub.submission_id}", status_code=303)

    def visible_submission(request: Request, user: User) -> Submission:
        sub = site.store.get(request.path_params["submission_id"])
        if sub is None or sub.year != site.year:
            raise HTTPException(404, "没有这次提交。")
        if not user.may_see_city(sub.city):
            raise forbidden("查看其他设区市的提交")
        return sub

    async def submissions(request: Request) -> Response:
        user = current_user(site, request)
        if not user.may_see_board():
            raise forbidden("查看提交记录")
        subs = [s for s in site.store.for_year(site.year) if user.may_see_city(s.city)]
        return site.page(request, "submissions.html", user=user, submissions=subs[::-1],
                         in_inbox=site.inbox_submission_ids())

    async def submission(request: Request) -> Response:
        user = current_user(site, request)
        sub = visible_submission(request, user)
        findings = site.store.findings(sub.submission_id)
        before = [s for s in site.store.for_year(site.year) if s.dataset == sub.dataset
                  and s.city == sub.city and s.submission_id < sub.submission_id]
        diff = None
        if before:
            previous = site.store.findings(before[-1].submission_id)
            diff = (before[-1], compare([by_dataset(f) for f in previous],
                                        [by_dataset(f) for f in findings]))
        return site.page(request, "submission.html", user=user, sub=sub, findings=findings,
                         diff=diff, in_inbox=sub.submission_id in site.inbox_submission_ids())

    async def annotated(request: Request) -> Response:
        user = current_user(site, request)
        sub = visible_submission(request, user)
        path = await asyncio.to_thread(site.annotated_copy, sub)
        return FileResponse(path, media_type="application/vnd.openxmlformats-officedocument"
                            ".spreadsheetml.sheet",
                            headers=_disposition("attachment", annotated_name(sub.file)))

    def zones() -> list[dict[str, str]]:
        return zones_of(site.checker.inbox_frames(), site.year)

    async def status(request: Request) -> Response:
        user = current_user(site, request)
        if not user.may_see_board():
            raise forbidden("查看报送情况")
        visible = None if user.role == ROLE_DEPARTMENT else {user.city}
        rows = site.board.rows(site.year, zones(), visible)
        return site.page(request, "status.html", user=user, rows=rows)

    async def history(request: Request) -> Response:
        user = current_user(site, request)
        zone_id, dataset = request.path_params["zone_id"], request.path_params["dataset"]
        zone = next((z for z in zones() if z["zone_id"] == zone_id), None)
        if zone is None or dataset not in ZONE_DATASETS:
            raise HTTPException(404, "没有这个园区或数据集。")
        if not user.may_see_board() or not user.may_see_city(zone["city"]):
            raise forbidden("查看其他设区市园区的问题")
        entries = site.board.history(site.year, zone, dataset)
        subs = {s.submission_id: s for s in site.store.for_year(site.year)}

        def city_of(submission_id: str) -> str | None:
            return subs[submission_id].city if submission_id in subs else None

        nights = await asyncio.to_thread(site.nights.for_zone, zone, dataset, city_of)
        return site.page(request, "history.html", user=user, zone=zone, dataset=dataset,
                         entries=entries, night_runs=runs_of(nights), submissions=subs,
                         nightly_dir=site.nights.dir)

    def readable_zones(user: User) -> list[dict[str, Any]]:
        rows = site.board.rows(site.year, zones(), None)
        listed = []
        for zone in zones():
            if user.may_read_report_of(zone["city"]):
                ok, why = zone_previewable(rows, zone["zone_id"])
                listed.append({**zone, "previewable": ok, "why": why})
        return listed

    async def reports(request: Request) -> Response:
        user = current_user(site, request)
        return site.page(request, "reports.html", user=user, zones=readable_zones(user))

    async def report_pdf(request: Request) -> Response:
        user = current_user(site, request)
        zone_id = request.path_params["zone_id"]
        zone = next((z for z in readable_zones(user) if z["zone_id"] == zone_id), None)
        if zone is None:
            if any(z["zone_id"] == zone_id for z in zones()):
                raise forbidden("查看其他设区市园区的报告")
            raise HTTPException(404, "没有这个园区。")
        if not zone["previewable"]:
            raise HTTPException(409, f"暂不能预览：{zone['why']}。")
        try:
            path = await asyncio.to_thread(site.previewer.zone_report, zone_id)
        except PreviewUnavailable as exc:
            raise HTTPException(409, str(exc)) from exc
        return FileResponse(path, media_type="application/pdf",
                            headers=_disposition("inline", f"{zone_id}-草稿.pdf"))

    async def stylesheet(request: Request) -> Response:
        return FileResponse(SITE_TEMPLATES / "site.css", media_type="text/css",
                            headers={"Cache-Control": "public, max-age=3600"})

    async def font(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ("NotoSansSC-Regular.ttf", "NotoSansSC-Bold.ttf"):
            raise HTTPException(404, "没有这个字体文件。")
        return FileResponse(FONTS_DIR / name, media_type="font/ttf",
                            headers={"Cache-Control": "public, max-age=604800"})

    return [
        Route("/", handler(home)),
        Route("/login", handler(login_form), methods=["GET"]),
        Route("/login", handler(login), methods=["POST"]),
        Route("/logout", handler(logout), methods=["POST"]),
        Route(UPLOAD_PATH, handler(submit_form), methods=["GET"]),
        Route(UPLOAD_PATH, handler(submit), methods=["POST"]),
        Route("/submissions", handler(submissions)),
        Route("/submissions/{submission_id}", handler(submission)),
        Route("/submissions/{submission_id}/annotated.xlsx", handler(annotated)),
        Route("/status", handler(status)),
        Route("/status/{zone_id}/{dataset}", handler(history)),
        Route("/reports", handler(reports)),
        Route("/reports/{zone_id}.pdf", handler(report_pdf)),
        Route("/static/site.css", stylesheet),
        Route("/static/fonts/{name}", font),
    ]


def _disposition(kind: str, filename: str) -> dict[str, str]:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    quoted = urllib.parse.quote(filename)
    return {"Content-Disposition": f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"}


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                for key, value in SECURITY_HEADERS.items():
                    if key.lower().encode() not in have:
                        headers.append((key.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(config: SiteConfig) -> Starlette:
    site = Site(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if config.warm_up:
            await asyncio.to_thread(site.warm_up)
        else:
            await asyncio.to_thread(site.refresh_inbox)
        yield

    async def error_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        user = site.accounts.get(request.session.get("user", "")) if "session" in request.scope \
            else None
        # Starlette's own refusals (an unknown address, a wrong method) are in English
        message = {404: "没有这个页面。", 405: "不支持这种请求方式。"}.get(exc.status_code, exc.detail) \
            if exc.detail in ("Not Found", "Method Not Allowed") else exc.detail
        return site.page(request, "error.html", status_code=exc.status_code, user=user,
                         message=message, status=exc.status_code)

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path, exc_info=exc)
        return HTMLResponse("<!doctype html><meta charset=utf-8><title>内部错误</title>"
                            "<p>网站内部出错，您的操作可能没有完成。请稍后重试；多次出现请联系自治区商务厅技术人员。</p>",
                            status_code=500)

    max_body = config.max_upload_bytes + 256 * 1024  # the form's other fields and boundaries
    app = Starlette(
        routes=routes(site),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(UploadLimit, limit=max_body),
            Middleware(SessionMiddleware, secret_key=session_secret(config.root),
                       session_cookie=SESSION_COOKIE, max_age=int(config.session_hours * 3600),
                       same_site="lax", https_only=config.secure_cookies),
        ],
        exception_handlers={HTTPException: error_page, Exception: internal_error},
        lifespan=lifespan,
    )
    app.state.site = site
    return app
