using System.Globalization;
using System.Net;
using System.Text;

namespace ContentionReports;

/// <summary>
/// report.html: a self-contained page (no server, no script) with the summary and an SVG timeline, one row per
/// run: each call of the function (a tick: amber for Conflict, green for OK, red for a failure), each status poll
/// of a call (a short purple tick under the lock bar), the waits after a Conflict (grey), and the interval the
/// run held the lock (a bar in its key's colour).
/// </summary>
public static class TimelineHtml
{
    private static readonly string[] KeyColours = ["#2b6cb0", "#2f855a", "#b7791f", "#9b2c2c", "#6b46c1", "#2c7a7b", "#c05621", "#4a5568"];

    public static string Render(ContentionReport report)
    {
        var runs = report.Runs;
        var start = runs.Min(r => r.StartedAt);
        var end = runs.Max(r => r.EndedAt ?? r.StartedAt);
        var seconds = Math.Max((end - start).TotalSeconds, 1);
        const int left = 150, width = 900, rowHeight = 22, top = 30;
        double X(DateTimeOffset t) => left + (t - start).TotalSeconds / seconds * width;
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        var keys = runs.Select(r => r.LockKey).Distinct().Order().ToList();
        string Colour(string key) => KeyColours[keys.IndexOf(key) % KeyColours.Length];

        var svg = new StringBuilder();
        var height = top + runs.Count * rowHeight + 30;
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{left + width + 20}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">");
        for (var s = 0; s <= (int)seconds; s += Math.Max(1, (int)seconds / 10))
        {
            var x = F(left + s / seconds * width);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" y1=\"{top - 5}\" x2=\"{x}\" y2=\"{height - 25}\" stroke=\"#e2e8f0\"/><text x=\"{x}\" y=\"{top - 10}\" text-anchor=\"middle\">{s}s</text>");
        }
        foreach (var (run, row) in runs.Select((r, i) => (r, i)))
        {
            var y = top + row * rowHeight;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"5\" y=\"{y + 14}\">run {run.Number} · {Escape(run.LockKey)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(X(run.StartedAt))}\" y1=\"{y + 10}\" x2=\"{F(X(run.EndedAt ?? end))}\" y2=\"{y + 10}\" stroke=\"#cbd5e0\"/>");
            foreach (var wait in run.Waits)
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(X(wait.From))}\" y=\"{y + 7}\" width=\"{F(Math.Max(X(wait.To) - X(wait.From), 1))}\" height=\"6\" fill=\"#a0aec0\"><title>wait {F((wait.To - wait.From).TotalSeconds)} s</title></rect>");
            foreach (var operation in run.Operations)
            {
                if (operation is { Status: "OK", LockAcquiredAt: { } from, LockReleasedAt: { } to })
                    svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(X(from))}\" y=\"{y + 3}\" width=\"{F(Math.Max(X(to) - X(from), 1))}\" height=\"14\" fill=\"{Colour(run.LockKey)}\" opacity=\"0.85\"><title>{Escape(operation.InstanceId)} held {Escape(run.LockKey)} {F((to - from).TotalSeconds)} s</title></rect>");
                var colour = operation.Status switch { "OK" => "#38a169", "Conflict" => "#d69e2e", _ => "#e53e3e" };
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(X(operation.CalledAt))}\" y=\"{y + 1}\" width=\"3\" height=\"18\" fill=\"{colour}\"><title>{Escape(operation.Status)} ({Escape(operation.InstanceId)})</title></rect>");
                foreach (var poll in operation.Polls)
                {
                    var answer = poll.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "no answer";
                    var retryAfter = poll.RetryAfterSeconds is { } after ? $", Retry-After {after} s" : "";
                    svg.Append(CultureInfo.InvariantCulture, $"<line class=\"poll\" x1=\"{F(X(poll.SentAt))}\" y1=\"{y + 18}\" x2=\"{F(X(poll.SentAt))}\" y2=\"{y + 22}\" stroke=\"#6b46c1\"><title>poll {answer}{retryAfter}</title></line>");
                }
            }
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{height - 8}\">ticks: calls (amber Conflict, green OK, red failed) · short purple: status polls · grey: waits after a Conflict · bars: lock held, one colour per key</text>");
        svg.Append("</svg>");

        var t = report.Totals;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Exclusive operations: local run</title>");
        html.Append("<style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}td,th{border:1px solid #cbd5e0;padding:4px 8px;text-align:right}</style></head><body>");
        html.Append("<h1>Exclusive operations: local run</h1><table><tr>");
        foreach (var h in new[] { "runs", "succeeded", "failed", "conflicts", "function starts", "overlaps", "makespan s", "ideal s", "ratio", "starts/success", "polls", "polls/success", "strategy" })
            html.Append(CultureInfo.InvariantCulture, $"<th>{h}</th>");
        html.Append(CultureInfo.InvariantCulture, $"</tr><tr><td>{t.Runs}</td><td>{t.Succeeded}</td><td>{t.Failed}</td><td>{t.Conflicts}</td><td>{t.FunctionStarts}</td><td>{t.Overlaps}</td><td>{t.MakespanSeconds}</td><td>{t.IdealSeconds}</td><td>{t.MakespanRatio}</td><td>{t.StartsPerSuccess}</td><td>{t.Polls}</td><td>{t.PollsPerSuccess}</td><td>{t.Strategy}</td></tr></table>");
        html.Append("<h2>Timeline</h2>").Append(svg);
        // Each run's trace (docs/tracing.md): its spans in traces.json, or in a viewer, by this id.
        html.Append("<h2>Runs and their traces</h2><table><tr><th>run</th><th>key</th><th>status</th><th>run id</th><th>trace id</th></tr>");
        foreach (var run in runs)
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{run.Number}</td><td>{Escape(run.LockKey)}</td><td>{Escape(run.Status)}</td><td>{Escape(run.RunId)}</td><td class=\"trace\">{Escape(run.TraceId ?? "")}</td></tr>");
        html.Append("</table></body></html>\n");
        return html.ToString();
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
