using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace NanoSecurity.HostEmulator
{
    /// <summary>
    /// The live view for a small terminal (80×24 and up to <see cref="LiveView"/>'s full size):
    /// the essentials only, each line cut to the width rather than wrapped, sized to the height:
    /// the module state, hub and totals, the latest messages, the latest message decoded.
    /// </summary>
    internal static class CompactLiveView
    {
        // Frame lines of the message list (top, column header, bottom) and of a panel (top, bottom).
        private const int TableFrame = 3;
        private const int PanelFrame = 2;

        /// <summary>Whether a terminal of this size gets the compact view rather than the full one.</summary>
        public static bool Fits(int width, int height) => width < 120 || height < 45;

        public static IRenderable Render(EmulatorContext context, IReadOnlyList<DecodedMessage> messages, int width, int height)
        {
            // Inside a panel: its two borders and one space of padding on each side.
            int inner = Math.Max(10, width - 4);
            IRenderable header = Header(context, messages, inner, out int headerLines);
            int left = Math.Max(0, height - headerLines);

            // A third of what is left for the message list (at least one row), the rest for the latest message.
            int recentRows = Math.Clamp((left / 3) - TableFrame, 1, 6);
            int latestLines = Math.Max(0, left - recentRows - TableFrame - PanelFrame);
            return new Rows(header, Recent(messages, recentRows, inner), Latest(messages, latestLines, inner));
        }

        private static IRenderable Header(EmulatorContext context, IReadOnlyList<DecodedMessage> messages, int width, out int lines)
        {
            MessageTotals totals = MessageTotals.Of(messages);
            string delivered = context.Delivered is int n ? $", {n} delivered" : string.Empty;
            var rows = new List<IRenderable>
            {
                new Markup(LiveView.StateMarkup(context.Module.State) + " " + Markup.Escape(Fit(
                    string.Create(CultureInfo.InvariantCulture, $"up {context.Uptime:hh\\:mm\\:ss}  {LiveView.Ending(context)}"),
                    width - context.Module.State.ToString().Length - 1))),
                Line("hub " + context.Target, width),
                Line("as " + context.Identity, width),
                Line(string.Create(
                    CultureInfo.InvariantCulture,
                    $"messages {totals.Messages}{delivered}, {totals.Bytes} B, {totals.BilledUnits} billed units, {totals.Flows} flows"), width),
            };
            if (totals.Invalid > 0)
            {
                rows.Add(Line(totals.Invalid + " INVALID", width, "red bold"));
            }

            if (LiveView.FeedProblem(context) is string problem)
            {
                rows.Add(Line(problem, width, "yellow"));
            }

            lines = rows.Count + PanelFrame;
            return new Panel(new Rows(rows))
            {
                Header = new PanelHeader(" nanoSecurity " + SecurityModule.AgentVersion + " "),
                Border = BoxBorder.Rounded,
                Expand = true,
            };
        }

        private static IRenderable Recent(IReadOnlyList<DecodedMessage> messages, int rows, int width)
        {
            var lines = new List<IRenderable> { Line("    #  time       bytes  schema   events (items)", width, "grey") };
            if (messages.Count == 0)
            {
                lines.Add(Line("waiting for the first collection…", width, "grey"));
            }

            foreach (DecodedMessage message in messages.Skip(Math.Max(0, messages.Count - rows)))
            {
                lines.Add(Line(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{message.Sequence,5}  {message.At:HH:mm:ss} {message.Size,7}  {(message.Valid ? "valid  " : "INVALID")}  {message.EventSummary}"),
                    width,
                    message.Valid ? null : "red"));
            }

            // Title, top, header (inside), bottom: the frame the layout reserves.
            return new Panel(new Rows(lines)) { Header = new PanelHeader(" security messages "), Border = BoxBorder.Rounded, Expand = true };
        }

        private static IRenderable Latest(IReadOnlyList<DecodedMessage> messages, int lines, int width)
        {
            if (messages.Count == 0 || lines == 0)
            {
                return Text.Empty;
            }

            DecodedMessage message = messages[messages.Count - 1];
            var rows = new List<IRenderable>();
            if (!message.Valid)
            {
                rows.Add(Line(message.Errors.Trim().Split('\n')[0], width, "red"));
            }

            foreach (DecodedEvent evt in message.Events)
            {
                string items = evt.IsEmpty ? "empty" : evt.Count == 1 ? "1 item" : $"{evt.Count} items";
                rows.Add(Line(evt.DisplayName + ", " + items, width, "bold"));
            }

            List<Flow> flows = message.Events.SelectMany(e => e.Flows).ToList();
            int flowLines = Math.Max(0, lines - rows.Count);
            bool more = flows.Count > flowLines;
            int shown = more ? Math.Max(0, flowLines - 1) : flows.Count;
            foreach (Flow flow in flows.Take(shown))
            {
                rows.Add(Line(
                    string.Create(CultureInfo.InvariantCulture, $"{flow.Protocol} {flow.Direction} {flow.Endpoints} in {flow.BytesIn} out {flow.BytesOut} hits {flow.Hits}"),
                    width));
            }

            if (more && flowLines > 0)
            {
                rows.Add(Line($"… {flows.Count - shown} more flows", width, "grey"));
            }

            return new Panel(new Rows(rows.Take(lines)))
            {
                Header = new PanelHeader(string.Create(CultureInfo.InvariantCulture, $" latest: #{message.Sequence}, {message.Size} B ")),
                Border = BoxBorder.Rounded,
                Expand = true,
            };
        }

        /// <summary><paramref name="text"/> cut to <paramref name="width"/> with an ellipsis, so that it never wraps.</summary>
        internal static string Fit(string text, int width)
        {
            string line = text.Replace('\n', ' ');
            return line.Length <= width ? line : line.Substring(0, Math.Max(0, width - 1)) + "…";
        }

        // One line of plain text in one style, cut to the width.
        private static IRenderable Line(string text, int width, string? style = null) =>
            new Text(Fit(text, width), style == null ? Style.Plain : Style.Parse(style));
    }
}
