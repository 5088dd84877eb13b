"""Charts drawn as inline SVG, so the report opens from disk with no script and no server."""

from __future__ import annotations

from html import escape
from typing import Dict, List, Sequence, Tuple

# One colour per outcome (colour-blind-safe Okabe-Ito order, then greys).
PALETTE = ["#009E73", "#56B4E9", "#E69F00", "#CC79A7", "#D55E00", "#0072B2", "#F0E442", "#000000",
           "#999999", "#BBBBBB", "#6A3D9A"]
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def stacked_days(days: Sequence[Dict], keys: Sequence[str], labels: Dict[str, str], title: str) -> str:
    """One stacked bar per day: how the day's turns ended, with a legend."""
    width, height, left, bottom, top = max(360, 70 * len(days) + 80), 260, 44, 40, 16
    plot_h = height - bottom - top
    peak = max([sum(d["outcomes"].get(k, 0) for k in keys) for d in days] + [1])
    step = (width - left - 10) / max(len(days), 1)
    parts = _axis(left, top, plot_h, peak, width)
    for index, day in enumerate(days):
        x = left + index * step + step * 0.15
        y = top + plot_h
        for k_index, key in enumerate(keys):
            value = day["outcomes"].get(key, 0)
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[k_index % len(PALETTE)]}"><title>{escape(day["date"])}: '
                f'{escape(labels.get(key, key))} {value}</title></rect>'
            )
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 16}" text-anchor="middle" {FONT}>'
                     f'{escape(day["date"][5:])}</text>')
    legend = "".join(
        f'<li><span class="swatch" style="background:{PALETTE[i % len(PALETTE)]}"></span>{escape(labels.get(k, k))}</li>'
        for i, k in enumerate(keys)
    )
    return _svg(width, height, title, parts) + f'<ul class="legend">{legend}</ul>'


def grouped_days(days: Sequence[Dict], series: Sequence[Tuple[str, str]], title: str) -> str:
    """Side-by-side bars per day for a few totals (conversations, messages)."""
    width, height, left, bottom, top = max(360, 70 * len(days) + 80), 220, 44, 40, 16
    plot_h = height - bottom - top
    peak = max([d[key] for d in days for key, _ in series] + [1])
    step = (width - left - 10) / max(len(days), 1)
    bar = step * 0.7 / len(series)
    parts = _axis(left, top, plot_h, peak, width)
    for index, day in enumerate(days):
        x0 = left + index * step + step * 0.15
        for s_index, (key, label) in enumerate(series):
            h = plot_h * day[key] / peak
            parts.append(
                f'<rect class="bar" x="{x0 + s_index * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[s_index + 5]}"><title>{escape(day["date"])}: {escape(label)} '
                f'{day[key]}</title></rect>'
            )
        parts.append(f'<text x="{x0 + step * 0.35:.1f}" y="{height - bottom + 16}" text-anchor="middle" {FONT}>'
                     f'{escape(day["date"][5:])}</text>')
    legend = "".join(f'<li><span class="swatch" style="background:{PALETTE[i + 5]}"></span>{escape(label)}</li>'
                     for i, (_, label) in enumerate(series))
    return _svg(width, height, title, parts) + f'<ul class="legend">{legend}</ul>'


def horizontal(rows: Sequence[Tuple[str, int]], title: str, colour: str = PALETTE[5]) -> str:
    """A labelled horizontal bar per row (demand by topic, buttons clicked)."""
    rows = [r for r in rows if r[1] > 0] or [("(none yet)", 0)]
    label_w, bar_w, row_h = 300, 300, 22
    width, height = label_w + bar_w + 60, row_h * len(rows) + 10
    peak = max([value for _, value in rows] + [1])
    parts: List[str] = []
    for index, (label, value) in enumerate(rows):
        y = 5 + index * row_h
        w = bar_w * value / peak
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" {FONT}>{escape(label[:48])}</text>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                     f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" {FONT}>{value}</text>')
    return _svg(width, height, title, parts)


def _axis(left: float, top: float, plot_h: float, peak: int, width: float) -> List[str]:
    parts = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#444"/>']
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{round(peak * fraction)}</text>')
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#ddd"/>')
    return parts


def _svg(width: float, height: float, title: str, parts: List[str]) -> str:
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            + "".join(parts) + "</svg>")
