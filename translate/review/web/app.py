"""The review page's routes (Starlette): pages rendered from the package's Jinja templates with autoescape, a
JSON API for what the page changes, the package's own script and stylesheet. Every request has passed the guard
(security.Guard) before it gets here; engine work runs in Starlette's thread pool, one request at a time
(Project.lock)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ... import review
from ...errors import UserError
from .project import Gone, NotFound, Project
from .security import MAX_BODY, Guard, Keys
from .view import KINDS

HERE = Path(__file__).parent
STATIC = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8"}
# The pamphlet's page carries its own stylesheets and has no script: inline styles, data: fonts and images only,
# shown in a frame of the review page.
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'self'")
STATE_NAMES = {"reviewed": "reviewed", "stale": "stale: its source changed since review", "machine": "machine"}


def _templates() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True,
                      lstrip_blocks=True)
    env.globals.update(kinds=KINDS, state_names=STATE_NAMES)
    return env


class Bad(Exception):
    """A request the page would never send (a missing field, a wrong type)."""


def _fields(data: Any, **types) -> dict:
    if not isinstance(data, dict):
        raise Bad("expected a JSON object")
    out = {}
    for name, kind in types.items():
        value = data.get(name, kind())
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise Bad(f"'{name}' must be {kind.__name__}")
        out[name] = value
    return out


def make_app(project: Project, keys: Keys, max_body: int = MAX_BODY):
    """The ASGI application: the routes behind the guard."""
    env = _templates()
    version = _static_version()

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        html = env.get_template(name).render(csrf=keys.csrf, static=version, **context)
        return HTMLResponse(html, status_code=status)

    def not_found() -> HTMLResponse:
        return page("message.html", 404, title="Not found",
                    text="No such article, language or file in this project.")

    async def work(fn, *args):
        return await run_in_threadpool(fn, *args)

    async def index(request: Request):
        rows = await work(project.articles)
        candidates = await work(project.coverage)
        return page("index.html", rows=rows, targets=project.targets, candidates=candidates[:30],
                    outside=[str(p) for p in project.outside], translations=str(project.config.translations))

    async def article(request: Request):
        slug, lang = request.path_params["slug"], request.path_params["lang"]
        try:
            view = await work(project.article, slug, lang)
            candidates = await work(project.coverage, slug)
        except NotFound:
            return not_found()
        return page("article.html", a=view, targets=project.targets, candidates=candidates[:20],
                    glossaries=project.glossaries(), translator=project.whoami())

    async def preview(request: Request):
        slug, lang = request.path_params["slug"], request.path_params["lang"]
        try:
            view = await work(project.article, slug, lang)
            try:
                pdf = project.pdf_path(slug, lang).name
            except NotFound:
                pdf = ""
        except NotFound:
            return not_found()
        return page("preview.html", a=view, targets=project.targets, pdf=pdf)

    async def pamphlet(request: Request):
        try:
            html = await work(project.preview_html, request.path_params["slug"], request.path_params["lang"])
        except NotFound:
            return not_found()
        return HTMLResponse(html, headers={"content-security-policy": PREVIEW_CSP, "x-frame-options": "SAMEORIGIN"})

    async def pdf(request: Request):
        try:
            path = await work(project.pdf_path, request.path_params["slug"], request.path_params["lang"])
        except NotFound:
            return not_found()
        return FileResponse(path, media_type="application/pdf", content_disposition_type="inline",
                            filename=path.name)

    async def static(request: Request):
        name = request.path_params["name"]
        if name not in STATIC:
            return not_found()
        return Response((HERE / "static" / name).read_bytes(), media_type=STATIC[name],
                        headers={"cache-control": "no-cache"})

    async def body(request: Request) -> Any:
        try:
            return json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise Bad("not JSON") from None

    async def save(request: Request):
        data = _fields(await body(request), slug=str, lang=str, unit=str, source=str, action=str, text=str, base=str,
                       translator=str)
        translator = " ".join(data["translator"].split())[:200]
        conflict = None
        try:
            await work(project.save, data["slug"], data["lang"], data["unit"], data["source"], data["action"],
                       data["text"], data["base"], translator)
        except review.Conflict as exc:
            conflict = exc
        view = await work(project.article, data["slug"], data["lang"])
        unit = next((u for u in view.units if u.id == data["unit"]), None)
        row = _row(env, unit, view) if unit is not None else ""
        if conflict is not None:
            now = conflict.current.target if conflict.current is not None and conflict.current.reviewed else ""
            return JSONResponse({
                "error": "Someone else saved this segment after you opened the page"
                         + (f": «{now}»" if now else "") + ". Your text is still in the box: Approve again to "
                         "replace theirs, or Reload to take theirs.",
                "current": now, "base": unit.base if unit is not None else "", "row": row,
            }, status_code=409)
        said = {"approve": "approved", "suggestion": "suggestion taken", "revert": "back to machine translation"}
        return JSONResponse({"row": row, "message": said[data["action"]], "counts": view.counts,
                             "summary": _summary(view)})

    async def glossary_add(request: Request):
        data = _fields(await body(request), slug=str, lang=str, source=str, target=str, grammar=str, glossary=int,
                       note=str)
        entry_id, path = await work(project.add_term, data["slug"], data["lang"], data["source"], data["target"],
                                    data["grammar"], data["glossary"], data["note"])
        return JSONResponse({"id": entry_id, "message": f"added {entry_id} to {path}"})

    async def suggest(request: Request):
        q = request.query_params
        return JSONResponse(await work(project.suggest_term, q.get("slug", ""), q.get("lang", ""), q.get("text", "")))

    async def grammar(request: Request):
        q = request.query_params
        return JSONResponse({"grammar": await work(project.grammar, q.get("lang", ""), q.get("term", ""))})

    async def render_start(request: Request):
        data = _fields(await body(request), slug=str, lang=str)
        task = await work(project.render, data["slug"], data["lang"])
        return JSONResponse(task.to_json(), status_code=202)

    async def render_status(request: Request):
        task = project.renders.get(request.path_params["task"])
        if task is None:
            return JSONResponse({"error": "no such rendering"}, status_code=404)
        return JSONResponse(task.to_json())

    routes = [
        Route("/", index),
        Route("/a/{slug}/{lang}", article),
        Route("/a/{slug}/{lang}/preview", preview),
        Route("/a/{slug}/{lang}/pamphlet", pamphlet),
        Route("/a/{slug}/{lang}/pdf", pdf),
        Route("/static/{name}", static),
        Route("/api/save", save, methods=["POST"]),
        Route("/api/glossary", glossary_add, methods=["POST"]),
        Route("/api/suggest", suggest),
        Route("/api/grammar", grammar),
        Route("/api/render", render_start, methods=["POST"]),
        Route("/api/render/{task}", render_status),
    ]

    async def user_error(request: Request, exc: Exception):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=400)
        # a page: the project cannot be read as it is now (a glossary or the store broken by hand, say)
        return page("message.html", 400, title="The project has a problem", text=str(exc))

    async def gone(request: Request, exc: Exception):
        return JSONResponse({"error": str(exc)}, status_code=409)

    async def missing(request: Request, exc: Exception):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "no such article or language in this project"}, status_code=404)
        return not_found()

    async def http_error(request: Request, exc: Exception):
        status = getattr(exc, "status_code", 500)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": getattr(exc, "detail", "error")}, status_code=status)
        return page("message.html", status, title=str(status), text=getattr(exc, "detail", "error"))

    from starlette.exceptions import HTTPException

    app = Starlette(routes=routes, exception_handlers={UserError: user_error, Bad: user_error, Gone: gone,
                                                       NotFound: missing, HTTPException: http_error})
    return Guard(app, keys, max_body)


def _row(env: Environment, unit, view) -> str:
    return env.get_template("_unit.html").render(u=unit, src=view.src, lang=view.lang)


def _summary(view) -> dict:
    s = view.summary
    return {"terms": s.terms, "realized": s.realized, "problems": s.problems, "agreement": s.agreement,
            "untranslated": len(s.untranslated)}


def _static_version() -> str:
    """A short hash of the script and stylesheet, in their URLs, so a browser never runs an old script."""
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(STATIC):
        digest.update((HERE / "static" / name).read_bytes())
    return digest.hexdigest()[:10]
