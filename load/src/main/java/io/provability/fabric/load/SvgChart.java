package io.provability.fabric.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line chart rendered as inline SVG, so a report page needs no script and no network.
 * Either axis may be logarithmic (values at or below zero are left out of a log axis).
 */
final class SvgChart {
  record Series(String name, String color, double[] x, double[] y) {}

  private static final int W = 860;
  private static final int H = 300;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 30;
  private static final int BOTTOM = 45;

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final boolean logX;
  private final boolean logY;
  private final List<Series> series = new ArrayList<>();
  private final List<double[]> xTickOverrides = new ArrayList<>();
  private final List<String> xTickLabels = new ArrayList<>();

  SvgChart(String title, String xLabel, String yLabel, boolean logX, boolean logY) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
    this.logX = logX;
    this.logY = logY;
  }

  SvgChart add(String name, String color, double[] x, double[] y) {
    series.add(new Series(name, color, x, y));
    return this;
  }

  /** Labels the x axis at these values instead of evenly spaced ticks. */
  SvgChart xTick(double x, String label) {
    xTickOverrides.add(new double[] {x});
    xTickLabels.add(label);
    return this;
  }

  String render() {
    return new Rendering().render();
  }

  /**
   * One rendering, as steps: the data's bounds, the title, then (when there is data) the axes'
   * ranges, the frame, the ticks, the axis labels and each series with its legend entry.
   */
  private final class Rendering {
    private final StringBuilder b = new StringBuilder();
    private double minX = Double.MAX_VALUE;
    private double maxX = -Double.MAX_VALUE;
    private double minY = Double.MAX_VALUE;
    private double maxY = -Double.MAX_VALUE;
    private double x0;
    private double x1;
    private double y0;
    private double y1;

    String render() {
      bounds();
      header();
      if (minX == Double.MAX_VALUE) {
        b.append("<text x=\"80\" y=\"150\">no data</text></svg>\n");
        return b.toString();
      }
      ranges();
      frame();
      yTicks();
      xTicks();
      axisLabels();
      series();
      b.append("</svg>\n");
      return b.toString();
    }

    /** The smallest and largest usable values of every series. */
    private void bounds() {
      for (Series s : series) {
        for (int i = 0; i < s.x.length; i++) {
          if (!usable(s.x[i], logX) || !usable(s.y[i], logY)) {
            continue;
          }
          minX = Math.min(minX, s.x[i]);
          maxX = Math.max(maxX, s.x[i]);
          minY = Math.min(minY, s.y[i]);
          maxY = Math.max(maxY, s.y[i]);
        }
      }
    }

    /** The svg element and the title. */
    private void header() {
      b.append(
          String.format(
              Locale.ROOT,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                  + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n",
              W,
              H,
              W,
              H));
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">%s</text>%n",
              LEFT,
              esc(title)));
    }

    /** The axes' ranges: a linear y axis starts at zero at most and leaves 5 % above the top. */
    private void ranges() {
      if (!logY) {
        minY = Math.min(0, minY);
      }
      if (maxX == minX) {
        maxX = minX + 1;
      }
      if (maxY <= minY) {
        maxY = minY + 1;
      }
      x0 = minX;
      x1 = maxX;
      y0 = minY;
      y1 = logY ? maxY : maxY * 1.05;
    }

    /** The plot area. */
    private void frame() {
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#999\"/>%n",
              LEFT,
              TOP,
              W - LEFT - RIGHT,
              H - TOP - BOTTOM));
    }

    /** Horizontal grid lines with their values. */
    private void yTicks() {
      for (double v : ticks(y0, y1, logY)) {
        double py = py(v, y0, y1);
        b.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                LEFT,
                W - RIGHT,
                py,
                py,
                LEFT - 5,
                py + 4,
                fmt(v)));
      }
    }

    /** Vertical grid lines: evenly spaced, or at the values given with xTick. */
    private void xTicks() {
      if (xTickOverrides.isEmpty()) {
        for (double v : ticks(x0, x1, logX)) {
          xGridLine(v, fmt(v));
        }
      } else {
        for (int i = 0; i < xTickOverrides.size(); i++) {
          double v = xTickOverrides.get(i)[0];
          if (v < x0 || v > x1) {
            continue;
          }
          xGridLine(v, esc(xTickLabels.get(i)));
        }
      }
    }

    /** One vertical grid line at {@code v}, labelled with {@code label} (already escaped). */
    private void xGridLine(double v, String label) {
      double px = px(v, x0, x1);
      b.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>"
                  + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
              px,
              px,
              TOP,
              H - BOTTOM,
              px,
              H - BOTTOM + 15,
              label));
    }

    /** The axes' labels. */
    private void axisLabels() {
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
              (LEFT + W - RIGHT) / 2,
              H - 8,
              esc(xLabel)));
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>%n",
              (TOP + H - BOTTOM) / 2,
              (TOP + H - BOTTOM) / 2,
              esc(yLabel)));
    }

    /** Each series as a polyline, with its legend entry. */
    private void series() {
      int legendX = LEFT + 10;
      for (Series s : series) {
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < s.x.length; i++) {
          if (usable(s.x[i], logX) && usable(s.y[i], logY)) {
            pts.append(
                String.format(Locale.ROOT, "%.1f,%.1f ", px(s.x[i], x0, x1), py(s.y[i], y0, y1)));
          }
        }
        b.append(
            String.format(
                Locale.ROOT,
                "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" points=\"%s\"/>%n",
                s.color,
                pts.toString().strip()));
        b.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n",
                legendX,
                TOP + 8,
                s.color,
                legendX + 16,
                TOP + 12,
                esc(s.name)));
        legendX += 30 + 7 * s.name.length();
      }
    }
  }

  private double px(double v, double x0, double x1) {
    double f =
        logX
            ? (Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0))
            : (v - x0) / (x1 - x0);
    return LEFT + f * (W - LEFT - RIGHT);
  }

  private double py(double v, double y0, double y1) {
    double f =
        logY
            ? (Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))
            : (v - y0) / (y1 - y0);
    return H - BOTTOM - f * (H - TOP - BOTTOM);
  }

  private static boolean usable(double v, boolean log) {
    return Double.isFinite(v) && (!log || v > 0);
  }

  private static List<Double> ticks(double lo, double hi, boolean log) {
    List<Double> out = new ArrayList<>();
    if (log) {
      // decades, and 2 and 5 within them when fewer than three decades are in view, so that every
      // log axis carries labelled ticks
      double[] steps = Math.log10(hi / lo) < 2 ? new double[] {1, 2, 5} : new double[] {1};
      for (double d = Math.pow(10, Math.floor(Math.log10(lo))); d <= hi * 1.0001; d *= 10) {
        for (double m : steps) {
          double v = d * m;
          if (v >= lo * 0.9999 && v <= hi * 1.0001) {
            out.add(v);
          }
        }
      }
      if (out.size() < 2) {
        out.clear();
        out.add(lo);
        out.add(hi);
      }
      return out;
    }
    double span = hi - lo;
    double step = Math.pow(10, Math.floor(Math.log10(span / 5)));
    if (span / step > 10) {
      step *= 2;
    }
    if (span / step > 10) {
      step *= 2.5;
    }
    for (double v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
      out.add(v);
    }
    return out;
  }

  private static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e9) {
      return String.format(Locale.ROOT, "%,d", (long) v);
    }
    return String.format(Locale.ROOT, Math.abs(v) < 1 ? "%.3g" : "%.1f", v);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
