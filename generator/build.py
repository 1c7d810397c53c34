"""The one orchestrator: config → content and facts → site → render → write."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from generator.assets import load_assets
from generator.cards import CardCache
from generator.config import load_config
from generator.content import load_documents
from generator.errors import ErrorCollector
from generator.facts import load_facts
from generator.i18n import load_strings
from generator.markup import make_markdown
from generator.model import OutputFile, Site
from generator.output import WriteReport, check_output_folder, plan_files, write_output
from generator.render import Renderer
from generator.site import assemble_site
from generator.templating import make_environment

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What the editor asked for."""

    root: Path
    out: Path | None = None
    drafts: bool = False
    base_url: str | None = None
    today: date | None = None
    """The day that decides which dated pages are published (default: today)."""

    @property
    def output(self) -> Path:
        """Return the output folder (default SITE/public)."""
        return self.out if self.out is not None else self.root / "public"


@dataclass
class BuildResult:
    """What a build made."""

    site: Site
    renderer: Renderer
    files: dict[str, OutputFile]
    timings: dict[str, float] = field(default_factory=dict)
    report: WriteReport | None = None
    cards_drawn: int = 0


def cache_dir(root: Path) -> Path:
    """Return the folder where drawn cards and PDFs are kept between builds (ignored by git)."""
    return root / ".vigie-cache"


def today_for_build() -> date:
    """Return today's date, or the day of SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    return date.today()


def render_site(options: BuildOptions) -> BuildResult:
    """Load, assemble and render the whole site in memory (nothing is written)."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    root = options.root
    config = load_config(root, options.base_url)
    errors = ErrorCollector()
    documents = load_documents(config, errors)
    facts = load_facts(config, errors)
    errors.raise_if_any()
    strings = load_strings(config)
    lap("load")
    site = assemble_site(config, documents, facts, options.today or today_for_build(), options.drafts)
    lap("assemble")
    renderer = Renderer(site=site, strings=strings, env=make_environment(config), assets=load_assets(config),
                        md=make_markdown(config.allow_html))
    renderer.render_bodies()
    files: list[OutputFile] = [*renderer.assets.files, *renderer.render_pages(), *renderer.render_text_files()]
    lap("render")
    cards = CardCache(cache_dir(root) / "cards")
    files += renderer.render_cards(cards)
    lap("cards")
    return BuildResult(site=site, renderer=renderer, files=plan_files(files), timings=timings,
                       cards_drawn=cards.drawn)


def build(options: BuildOptions) -> BuildResult:
    """Build the site into its output folder; the old output stays unless all succeeded."""
    check_output_folder(options.output, options.root)
    result = render_site(options)
    start = time.perf_counter()
    result.report = write_output(result.files, options.output)
    result.timings["write"] = time.perf_counter() - start
    return result
