"""Inline SVG line charts, so the report needs no JavaScript library and no network."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_L, PAD_B, PAD_T, PAD_R = 720, 200, 56, 24, 12, 12
COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed"]


@dataclass
class Series:
    label: str
    points: list[tuple[float, float]]  # (seconds since start, value)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value)))
    for step in (0.1, 0.2, 0.25, 0.5, 1.0):
        if value <= magnitude * step:
            return magnitude * step
    return magnitude


def line_chart(title: str, unit: str, series: list[Series]) -> Markup:
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    if not xs:
        return Markup(
            f'<figure class="chart"><figcaption>{escape(title)}</figcaption><p>no data</p></figure>'
        )
    x_max = max(max(xs), 1.0)
    y_max = _nice_max(max(ys))
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def sx(x: float) -> float:
        return PAD_L + plot_w * x / x_max

    def sy(y: float) -> float:
        return PAD_T + plot_h * (1 - y / y_max)

    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">']
    for i in range(5):
        y = y_max * i / 4
        parts.append(
            f'<line class="grid" x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{sy(y):.1f}" y2="{sy(y):.1f}"/>'
        )
        parts.append(f'<text class="axis" x="{PAD_L - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    parts.append(f'<text class="axis" x="{PAD_L}" y="{HEIGHT - 6}">0s</text>')
    parts.append(
        f'<text class="axis" x="{WIDTH - PAD_R}" y="{HEIGHT - 6}" text-anchor="end">{x_max:.0f}s</text>'
    )
    legend = []
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s.points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}"/>')
        legend.append(f'<span class="key" style="--c:{colour}">{escape(s.label)}</span>')
    parts.append("</svg>")
    caption = f"{escape(title)} <small>({escape(unit)})</small> " + " ".join(legend)
    return Markup(f'<figure class="chart"><figcaption>{caption}</figcaption>{"".join(parts)}</figure>')
