"""Charts for channels: a result's Vega-Lite spec as a PNG (vl-convert renders without a browser, fonts and Vega
bundled) for Slack and WeCom, and the offline vega-embed bundle the web chat loads."""
from __future__ import annotations

import logging
from functools import cache

log = logging.getLogger("tessera.channels.charts")
VEGA_LITE_VERSION = "5.20"  # the specs say v5; vl-convert would otherwise use its newest


def chart_png(spec: dict, *, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes; raises ValueError for a spec Vega-Lite refuses."""
    import vl_convert

    return vl_convert.vegalite_to_png(vl_spec=spec, scale=scale, vl_version=VEGA_LITE_VERSION)


def chart_pngs(charts: list[dict]) -> list[tuple[str, bytes]]:
    """(title, PNG) for each chart that renders; one that does not is logged and left out, the reply still goes."""
    out = []
    for spec in charts:
        try:
            out.append((str(spec.get("title") or "chart"), chart_png(spec)))
        except (ValueError, RuntimeError) as exc:
            log.warning("could not render a chart: %s", exc)
    return out


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (globals vegaEmbed, vegaLite, vega), served to the web chat so
    charts draw with no network."""
    import vl_convert

    return vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)
