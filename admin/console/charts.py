"""Charts rendered on the server as SVG with pygal: no script, no CDN.

pygal would add its tooltip script from a CDN; ``js=()`` leaves it out, and the
inline configuration script it writes anyway is removed (``_without_scripts``), so a
chart is a plain image (served as ``image/svg+xml`` and shown with ``<img>``, its figures also
in a table beside it for screen readers and keyboards).
"""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

from admin.console.stats import Series

STYLE = Style(background="#ffffff", plot_background="#ffffff", foreground="#1b1f24",
              foreground_strong="#1b1f24", foreground_subtle="#5b6470",
              colors=("#b3261e", "#0b57d0", "#1e7d32", "#b26a00", "#6a1b9a", "#00695c",
                      "#5d4037", "#37474f"),
              font_family="'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
              label_font_size=13, major_label_font_size=13, legend_font_size=14,
              title_font_size=16)


def bar_chart(series: Series) -> bytes:
    """Stacked bars per day, one colour per label; an empty series says so. No title:
    the page's heading names the chart (and the image's alt text)."""
    chart = pygal.StackedBar(js=(), style=STYLE, width=720, height=320,
                             x_label_rotation=45, show_legend=bool(series.counts),
                             legend_at_bottom=True, print_values=False,
                             no_data_text="0", disable_xml_declaration=False,
                             explicit_size=False)
    chart.x_labels = [d.strftime("%m-%d") for d in series.days]
    for label, counts in series.counts.items():
        chart.add(label, counts)
    return _without_scripts(chart.render())


_SCRIPT = re.compile(rb"<script\b[^>]*>.*?</script>", re.DOTALL)


def _without_scripts(svg: bytes) -> bytes:
    # pygal writes exactly one inline script (its tooltip configuration) into <defs>.
    return _SCRIPT.sub(b"", svg)


#: The images' own policy: pygal styles its SVG inline; nothing else may load or run.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
