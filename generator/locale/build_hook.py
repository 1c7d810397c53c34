"""Compile the message catalogs (``.po`` → ``.mo``) when a wheel is built.

Hatchling runs this hook (see ``[tool.hatch.build.targets.wheel.hooks.custom]``
in pyproject.toml). A regular wheel gets the ``.mo`` files added; an editable
install gets them written beside their ``.po`` in the checkout, where the
package is imported from. Only Babel is needed, as for ``pybabel compile``.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DOMAIN = "vigie"


class CatalogHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compiles every ``generator/locale/<lang>/LC_MESSAGES/vigie.po``."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        locale_dir = Path(self.root) / "generator" / "locale"
        out_dir = Path(tempfile.mkdtemp(prefix="vigie-mo-"))
        for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            with po.open("rb") as fp:
                messages = read_po(fp, locale=po.parent.parent.name, domain=DOMAIN)
            data = io.BytesIO()
            write_mo(data, messages, use_fuzzy=False)
            relative = po.with_suffix(".mo").relative_to(self.root).as_posix()
            if version == "editable":
                po.with_suffix(".mo").write_bytes(data.getvalue())
            else:
                target = out_dir / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data.getvalue())
                build_data["force_include"][str(target)] = relative
