"""Jinja2 on the site's layouts/ over the default theme; template problems → SiteError."""

from __future__ import annotations

import logging
import os
import re
import sys
import traceback
import types
import weakref
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Iterable, Mapping, NoReturn

import jinja2
import jinja2.meta
import jinja2.nodes
import jinja2.runtime
import jinja2.sandbox

from generator.render.deps import _Recording
from generator.core.errors import SiteError
from generator.core.formats import left_to_right, og_locale
from generator.core.messages import _
from generator.model import HelpContact, SiteConfig
from generator.core.paths import slugify
from generator.sources.theme import theme_dirs

log = logging.getLogger(__name__)


_PLAIN_CALLABLES = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.BuiltinMethodType)


SANDBOX_VARIABLE = "VIGIE_TEMPLATE_SANDBOX"
"""Set to 0 to render templates outside Jinja's sandbox (the benchmark compares both; not for sites)."""


def sandbox_wanted() -> bool:
    """Return whether templates run in Jinja's sandbox: yes, unless VIGIE_TEMPLATE_SANDBOX=0."""
    return os.environ.get(SANDBOX_VARIABLE, "1").strip() != "0"


def _plain(obj: Any) -> bool:
    """Return whether a template may call ``obj`` as it is: a plain function that wants no context.

    Jinja checks every call for ``pass_context`` and its kin; a page makes about forty calls, and
    the check was a sixth of the time spent in templates.
    """
    return type(obj) in _PLAIN_CALLABLES and getattr(obj, "jinja_pass_arg", None) is None


def _call_plain(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call a `_plain` function as Jinja would: without the variables Jinja passes only to the ones it wraps."""
    kwargs.pop("_block_vars", None)
    kwargs.pop("_loop_vars", None)
    return obj(*args, **kwargs)


class _Context(jinja2.runtime.Context):
    """Jinja's context, with a shorter road for the plain functions pages call most (``t``, ``asset``).

    Outside the sandbox, templates call through this method; in it, through `_SiteSandbox.call`,
    which takes the same road once the sandbox's check is made. Anything else takes Jinja's own road.
    """

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's own spelling)
        if _plain(__obj):
            return _call_plain(__obj, args, kwargs)
        return super().call(__obj, *args, **kwargs)


@dataclass(frozen=True, slots=True)
class Outline:
    """What the block check needs of a template, noted when Jinja parses it to compile it."""

    filename: str | None
    extends: str | None
    """The template it extends, when named by a constant."""
    blocks: tuple[tuple[str, int], ...]
    """Each block it fills or defines, at any depth: name and line."""
    uses: tuple[str, ...]
    """The templates it extends, includes or imports by a constant name."""
    top: tuple[tuple[str, int], ...] = ()
    """Its blocks that are inside no other block: in a template that extends another, those it fills (a block
    inside one of them is one it defines, for the templates that extend it)."""
    filled: frozenset[str] = frozenset()
    """Its `top` blocks that write something (not only spaces)."""


#: Templates compiled in this process, by what decides the code Jinja makes of them (`_Outlined.compile`), with
#: the outline noted as they were parsed.
_COMPILED: dict[tuple[Any, ...], tuple[types.CodeType, Outline | None]] = {}
#: Compiled templates kept at most: a site's own and the theme's are a few dozen.
_COMPILED_KEPT = 1000


class _Outlined(jinja2.Environment):
    """Jinja's environment, keeping an `Outline` of every template it parses (``outlines``, by name).

    The block check reads these instead of parsing each template a second time.
    A template's text is compiled once per process (`compile`).
    """

    outlines: dict[str, Outline]

    def handle_exception(self, source: str | None = None) -> NoReturn:
        """Jinja's, but a RecursionError goes on as it was raised (`render_template` finds its template's line).

        Jinja rewrites a traceback so that it shows the templates' lines: for a template that includes itself,
        about a thousand frames, half of the time such a site took to be refused.
        """
        if isinstance(sys.exc_info()[1], RecursionError):
            raise  # the RecursionError being handled
        super().handle_exception(source)

    def compile(self, source: Any, name: str | None = None, filename: str | None = None,
                raw: bool = False, defer_init: bool = False) -> Any:
        """Jinja's compile, once per process for a template's text under the same settings.

        Each build makes its environment anew, and so does `vigie serve` whenever site.yaml changes:
        parsing and compiling the same templates again was half of a small site's build. Jinja's code
        depends only on the text, the template's name and file, and the environment's kind and settings
        (the key); the code runs in each environment that loads it, with that environment's globals.
        """
        if raw:
            return super().compile(source, name, filename, raw=True, defer_init=defer_init)
        if name is None or not isinstance(source, str):
            return super().compile(source, name, filename, defer_init=defer_init)
        key = (type(self), self._compile_settings(), source, name, filename, defer_init)
        found = _COMPILED.get(key)
        if found is None:
            code = super().compile(source, name, filename, defer_init=defer_init)
            if len(_COMPILED) >= _COMPILED_KEPT:
                _COMPILED.clear()
            found = _COMPILED[key] = (code, self.__dict__.get("outlines", {}).get(name))
        elif found[1] is not None:
            self.__dict__.setdefault("outlines", {})[name] = found[1]
        return found[0]

    def _compile_settings(self) -> tuple[Any, ...]:
        """Return what of this environment decides the code Jinja compiles a template into."""
        return (self.block_start_string, self.block_end_string, self.variable_start_string,
                self.variable_end_string, self.comment_start_string, self.comment_end_string,
                self.line_statement_prefix, self.line_comment_prefix, self.trim_blocks, self.lstrip_blocks,
                self.newline_sequence, self.keep_trailing_newline, self.autoescape, self.optimized, self.finalize,
                self.is_async, tuple(self.extensions), frozenset(self.filters), frozenset(self.tests))

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        tree = super()._parse(source, name, filename)
        if name is not None:
            parent = tree.find(jinja2.nodes.Extends)
            extends = (str(parent.template.value) if parent is not None
                       and isinstance(parent.template, jinja2.nodes.Const) else None)
            top = _top_blocks(tree)
            self.__dict__.setdefault("outlines", {})[name] = Outline(
                filename, extends, tuple((block.name, block.lineno) for block in tree.find_all(jinja2.nodes.Block)),
                tuple(used for used in jinja2.meta.find_referenced_templates(tree) if used is not None),
                tuple((block.name, block.lineno) for block in top),
                frozenset(block.name for block in top if not _blank(block.body)))
        return tree


def _top_blocks(node: jinja2.nodes.Node) -> list[jinja2.nodes.Block]:
    """Return the blocks below a node that are inside no other block, nor a macro (which renders its own)."""
    found: list[jinja2.nodes.Block] = []
    for child in node.iter_child_nodes():
        if isinstance(child, jinja2.nodes.Block):
            found.append(child)
        elif not isinstance(child, jinja2.nodes.Macro):
            found.extend(_top_blocks(child))
    return found


def _blank(body: list[jinja2.nodes.Node]) -> bool:
    """Return whether a block's body writes nothing but spaces."""
    return all(isinstance(node, jinja2.nodes.Output) and all(
        isinstance(part, jinja2.nodes.TemplateData) and not part.data.strip() for part in node.nodes)
        for node in body)


class _PlainEnvironment(_Outlined):
    """Jinja's environment outside the sandbox (`VIGIE_TEMPLATE_SANDBOX=0`)."""


class _SiteSandbox(_Outlined, jinja2.sandbox.SandboxedEnvironment):
    """Jinja's sandbox, and no road from a template to the builder's files.

    Templates see paths (``config.root``, ``page.doc.source``); Jinja's sandbox
    would let them call ``read_text()`` or ``open()`` on them, and so publish any
    file the builder can read. Of a path, a template may read its name only.

    Jinja's verdict on an attribute depends only on the object's type and the
    attribute's name (`jinja2.sandbox.is_internal_attribute`), so it is asked
    once per pair and kept: that was a third of the sandbox's cost.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._safe: dict[tuple[type, str], bool] = {}
        """(type, attribute) → Jinja's answer: it depends on nothing else, and pages ask it a hundred times each."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            safe = self._safe[key] = (not (isinstance(obj, PurePath) and attr not in _PATH_ATTRIBUTES)
                                      and bool(super().is_safe_attribute(obj, attr, value)))
        return safe

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Jinja's sandboxed ``obj.attribute``, shorter for a value that is no method, of a pair found safe.

        Jinja wraps only a ``format`` or ``format_map`` method (`wrap_str_format`): any other value of a
        (type, attribute) pair already judged safe is the attribute itself. Anything else, and the first
        reading of each pair, takes Jinja's own road.
        """
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)
        if type(value) not in _METHODS and self._safe.get((type(obj), attribute)):
            return value
        return super().getattr(obj, attribute)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any,  # noqa: N805 (Jinja's own spelling)
             *args: Any, **kwargs: Any) -> Any:
        """Jinja's sandboxed call, in one step for a plain function: the sandbox's check, then the call.

        The check is ``is_safe_callable``'s (no ``unsafe_callable`` nor ``alters_data`` mark); a callable
        that wants its context (``pass_context`` and its kin) or is no plain function takes Jinja's road.
        """
        if _plain(__obj) and __self.is_safe_callable(__obj):
            return _call_plain(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


#: Values Jinja's sandbox may wrap when a template reads them (a string's ``format`` method).
_METHODS = (types.MethodType, types.BuiltinMethodType)


#: What a template may read of a path: its name, never its content.
_PATH_ATTRIBUTES = frozenset({"name", "stem", "suffix", "parts"})


class _RecordingSandbox(_Recording, _SiteSandbox):
    """The sandbox, recording what templates read (`deps`)."""


class _RecordingEnvironment(_Recording, _PlainEnvironment):
    """Jinja's environment, recording what templates read (`deps`)."""


#: Which templates escape what they write: one function for every environment, so that their compiled
#: templates are shared (`_Outlined.compile`).
_AUTOESCAPE = jinja2.select_autoescape(("html", "xml", "svg"), default_for_string=True)


def make_environment(config: SiteConfig, sandboxed: bool | None = None, recording: bool = False) -> jinja2.Environment:
    """Return the Jinja2 environment: autoescape, strict undefined, site layouts first.

    ``sandboxed`` (default: `sandbox_wanted`) renders templates in Jinja's
    `SandboxedEnvironment`: no attribute starting with ``_`` nor Python's
    internals (``__class__``, ``__globals__``, a function's code…), no callable
    marked unsafe, a bounded ``range``. It narrows what a template can reach
    through the objects it is given; it is not a boundary to build untrusted
    layouts behind (see the guide, "Changing the look").
    """
    if sandboxed is None:
        sandboxed = sandbox_wanted()
    loader = jinja2.FileSystemLoader([str(p) for p in theme_dirs(config.root, "layouts")])
    kind: type[jinja2.Environment]
    if recording:  # vigie serve: what each page reads decides what an edit renders again
        kind = _RecordingSandbox if sandboxed else _RecordingEnvironment
    else:
        kind = _SiteSandbox if sandboxed else _PlainEnvironment
    env = kind(
        loader=loader,
        autoescape=_AUTOESCAPE,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per build: no need to stat templates on every page
    )
    env.context_class = _Context
    env.filters["slugify"] = slugify
    env.filters["ltr"] = left_to_right
    env.filters["groupby_region"] = groupby_region
    env.filters["og_locale"] = og_locale
    return env


def groupby_region(contacts: tuple[HelpContact, ...], lang: str) -> list[tuple[str, list[HelpContact]]]:
    """Group help contacts by their region heading in a language, keeping their order."""
    groups: dict[str, list[HelpContact]] = {}
    for contact in contacts:
        groups.setdefault(contact.region.get(lang, ""), []).append(contact)
    return list(groups.items())


def forget_templates(env: jinja2.Environment, names: Iterable[str], root: Path) -> bool:
    """Make ``env`` read these templates again from disk; False when it cannot (a new environment is needed).

    Includes and extends are looked up when a template renders, so a changed
    template is the only one to compile again. An environment made before the
    site had a layouts/ folder (or after it was removed) searches other folders:
    then it cannot serve.
    """
    loader = env.loader
    if not isinstance(loader, jinja2.FileSystemLoader) or env.cache is None:
        return False
    if list(loader.searchpath) != [str(p) for p in theme_dirs(root, "layouts")]:
        return False
    for name in names:
        try:
            del env.cache[(weakref.ref(loader), name)]
        except KeyError:
            pass
    setattr(env, "_vigie_blocks_checked", None)  # their blocks are looked at again (`_check_blocks`)
    return True


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any], root: Path) -> str:
    """Render one template; a mistake in it becomes a SiteError naming the template and line."""
    try:
        return load_template(env, name, root).render(context)
    except SiteError as err:
        if err.source is None:  # said by a function the template called (t('…')): the template's line is the place
            filename, line = _template_frame(sys.exc_info()[2])
            if filename:
                raise SiteError(err.message, source=_shown(filename, root), line=line) from None
        raise
    except jinja2.TemplateNotFound as exc:  # named by the template that includes, imports or extends it
        filename, line = _template_frame(sys.exc_info()[2])
        raise SiteError(_("no template '{name}' in layouts/ (nor in the default theme)").format(name=exc.name),
                        source=_shown(filename, root) if filename else f"layouts/{name}", line=line) from None
    except jinja2.TemplateSyntaxError as exc:
        raise SiteError(_("template syntax error: {problem}").format(problem=jinja_words(exc.message or "")),
                        source=_shown(exc.filename, root),
                        line=exc.lineno) from None
    except UnicodeDecodeError as exc:  # a layout saved in Latin-1 or Windows-1252: the same words as for any file
        tb = sys.exc_info()[2]
        source = next((frame.f_locals.get("filename") for frame, _line in traceback.walk_tb(tb)
                       if frame.f_code.co_name == "get_source" and isinstance(frame.f_locals.get("filename"), str)),
                      None)
        line = exc.object[: exc.start].count(b"\n") + 1 if isinstance(exc.object, bytes) else None
        raise SiteError(_("the file is not valid UTF-8 text; save it again as UTF-8 in your editor"),
                        source=_shown(source, root) if source else f"layouts/{name}", line=line) from None
    except RecursionError:
        filename, line = _template_frame(sys.exc_info()[2])
        raise SiteError(_("template error: this template includes, imports or extends itself (directly or through "
                          "other templates), or calls a macro that never stops calling itself"),
                        source=_shown(filename, root) if filename else f"layouts/{name}", line=line) from None
    except Exception as exc:  # anything a template expression raised: 1/0, a missing key, a bad call…
        filename, line = _template_frame(sys.exc_info()[2])
        detail = jinja_words(str(exc)) if isinstance(exc, (jinja2.UndefinedError, jinja2.TemplateError)) else \
            _("division by zero") if isinstance(exc, ZeroDivisionError) else (
            f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        raise SiteError(_("template error: {problem}").format(problem=detail),
                        source=_shown(filename, root) if filename else f"layouts/{name}", line=line) from None


@dataclass(frozen=True, slots=True)
class Layout:
    """A template as read: its name, text, file and syntax tree."""

    name: str
    source: str
    filename: str | None
    tree: jinja2.nodes.Template


def layout_chain(env: jinja2.Environment, name: str) -> list[Layout]:
    """Return a template and those it extends (``{% extends "base.html" %}``), each read and parsed once."""
    chain: list[Layout] = []
    while env.loader is not None and name not in (layout.name for layout in chain):
        try:
            source, filename, _uptodate = env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            break
        tree = env.parse(source, name, filename)
        chain.append(Layout(name, source, filename, tree))
        parent = tree.find(jinja2.nodes.Extends)
        if parent is None or not isinstance(parent.template, jinja2.nodes.Const):
            break
        name = str(parent.template.value)
    return chain


def load_template(env: jinja2.Environment, name: str, root: Path) -> jinja2.Template:
    """Return a template compiled, once its blocks are checked (`_check_blocks`)."""
    template = env.get_template(name)
    _check_blocks(env, name, root)
    return template


def warm_templates(env: jinja2.Environment, names: Iterable[str], root: Path) -> None:
    """Compile these templates and every one they use, and check their blocks, before pages are rendered.

    Forked page workers then inherit them compiled, instead of each compiling
    its own copy. A template with a mistake is left for its page to report.
    """
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            load_template(env, name, root)
        except Exception:  # noqa: BLE001 (a mistake, an unreadable file: its page reports it, in its words)
            continue
        outline = _outline(env, name)
        todo.extend(outline.uses if outline is not None else ())


def _outline(env: jinja2.Environment, name: str) -> Outline | None:
    """Return the outline of a template, compiled first when needed (None if there is no such template)."""
    try:
        env.get_template(name)
    except jinja2.TemplateNotFound:
        return None
    outlines: dict[str, Outline] = getattr(env, "outlines", {})
    return outlines.get(name)


def _check_blocks(env: jinja2.Environment, name: str, root: Path) -> None:
    """Refuse a block a template fills that the template it extends does not have (``{% block mian %}``): Jinja
    leaves it out without a word, and every page of that kind was published with nothing where its text goes.

    Each template is looked at once per environment.
    """
    checked: set[str] | None = getattr(env, "_vigie_blocks_checked", None)
    if checked is None:
        checked = set()
        setattr(env, "_vigie_blocks_checked", checked)
    if name in checked:
        return
    chain: list[tuple[str, Outline]] = []
    step: str | None = name
    while step is not None:
        if step in (known for known, _outline_ in chain):  # it extends itself: Jinja says so as it renders
            return
        outline = _outline(env, step)
        if outline is None:
            break
        chain.append((step, outline))
        step = outline.extends
    layouts = (root / "layouts").resolve()

    def site_owns(outline: Outline) -> bool:  # the site's own layouts/ (not a theme installed in the site folder)
        return outline.filename is not None and Path(outline.filename).resolve().is_relative_to(layouts)

    for index, (layout, outline) in enumerate(chain[:-1]):
        if layout in checked:
            continue
        known = {block for _parent, above in chain[index + 1:] for block, _line in above.blocks}
        if not known:  # an emptied parent: said so (`contexts._blank_template`)
            continue
        if site_owns(outline):
            for block, line in outline.top:
                if block not in known:
                    raise SiteError(_("the block '{block}' is not one of {parent}'s ({blocks}): Jinja leaves it out, "
                                      "and the page shows nothing of it; check its name").format(
                        block=block, parent=chain[index + 1][0], blocks=", ".join(sorted(known)) or "–"),
                        source=_shown(outline.filename, root) if outline.filename else f"layouts/{layout}",
                        line=line)
            continue
        # The default theme's template, under a site's own layout (a base.html copied before a block was added,
        # or its block removed): what the theme's template writes in a block the site's layout lacks is lost.
        # Said at the site's template the others extend (where the page's structure is).
        mine = next(((parent, above) for parent, above in reversed(chain[index + 1:]) if site_owns(above)), None)
        lost = sorted(block for block in outline.filled if block not in known)
        if mine is not None and lost:
            raise SiteError(_("{parent} has no block '{block}', which the default theme's pages fill: Jinja leaves "
                              "it out, and those pages show nothing of it; put {tag} back in {parent} where it goes")
                            .format(parent=mine[0], block=lost[0], tag=f"{{% block {lost[0]} %}}{{% endblock %}}"),
                source=_shown(mine[1].filename, root) if mine[1].filename else f"layouts/{mine[0]}")
    checked.update(layout for layout, _outline_ in chain)


def jinja_words(message: str) -> str:
    """Return what Jinja says of a template's mistake in the editor's language (Jinja speaks English only).

    The mistakes an editor makes most are said in Vigie's words, Jinja's names
    kept as they are; any other message stays Jinja's own.
    """
    text = message.strip()
    found = re.fullmatch(r"'([^']+)' is undefined", text)
    if found:
        return _("'{name}' is not defined: no variable or function of that name reaches this template").format(
            name=found.group(1))
    found = re.fullmatch(r"'(.+)' has no attribute '([^']+)'", text)
    if found:  # "generator.render.views.FactView object": the class's own name is enough
        return _("{object} has no attribute '{name}'").format(object=re.sub(r"^(?:\w+\.)+", "", found.group(1)),
                                                               name=found.group(2))
    found = re.fullmatch(r"No (filter|test) named '([^']+)'\.?", text)
    if found:
        return (_("no filter named '{name}'") if found.group(1) == "filter"
                else _("no test named '{name}'")).format(name=found.group(2))
    found = re.fullmatch(r"Unexpected end of template\. Jinja was looking for the following tags: (.+?)\. "
                         r"The innermost block that needs to be closed is '([^']+)'\.", text)
    if found:
        return _("the template ends before the block '{block}' is closed: {tags} is missing").format(
            block=found.group(2), tags=found.group(1).replace("' or '", "' / '"))
    found = re.fullmatch(r"Encountered unknown tag '([^']+)'\. (?:Jinja was looking for the following tags: |You probably "
                         r"made a nesting mistake\. Jinja is expecting this tag, but currently looking for )(.+?)\. "
                         r"The innermost block that needs to be closed is '([^']+)'\.", text)
    if found:  # an {% if %} left open inside a block: the fix is the tag it waits for
        return _("'{tag}' found while the block '{block}' is still open: {tags} is missing before it").format(
            tag=found.group(1), block=found.group(3), tags=found.group(2).replace("' or '", "' / '"))
    found = re.fullmatch(r"Encountered unknown tag '([^']+)'\.(.*)", text, re.S)
    if found:
        return _("unknown tag '{tag}' (or one without the block that opens it)").format(tag=found.group(1))
    found = (re.fullmatch(r"expected token '([^']+)', got '([^']+)'", text)
             or re.fullmatch(r"unexpected '([^']+)', expected '([^']+)'", text))
    if found and text.startswith("unexpected"):
        return _("'{expected}' expected, found '{found}'").format(expected=found.group(2), found=found.group(1))
    if found:
        return _("'{expected}' expected, found '{found}'").format(expected=found.group(1), found=found.group(2))
    found = re.fullmatch(r"unexpected '([^']+)'", text)
    if found:
        return _("unexpected '{found}'").format(found=found.group(1))
    return message


def _template_frame(tb: Any) -> tuple[str | None, int | None]:
    """Return the file and line of the innermost template in a traceback (None, None: none).

    A traceback Jinja rewrote shows the templates' own lines; one it left as it was (`_Outlined.handle_exception`)
    shows the lines of their Python code, which each template maps back.
    """
    found: tuple[str | None, int | None] = (None, None)
    for frame, line in traceback.walk_tb(tb):
        template = frame.f_globals.get("__jinja_template__")
        if isinstance(template, jinja2.Template) and template.filename:
            found = (template.filename, template.get_corresponding_lineno(line))
            continue
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")) or "/layouts/" in filename:
            found = (filename, line)
    return found


def _shown(filename: str | None, root: Path) -> str:
    if not filename:
        return "layouts/"
    path = Path(filename)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        parts = path.parts
        if "layouts" in parts:
            return _("(default theme) {path}").format(path="/".join(parts[parts.index("layouts"):]))
        return filename
