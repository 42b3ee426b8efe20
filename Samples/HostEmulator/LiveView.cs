using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace NanoSecurity.HostEmulator
{
    /// <summary>
    /// The live console view (Spectre.Console), redrawn four times a second: the module state and
    /// configuration (compiled in; the twin's desired and reported properties), each collector's
    /// last and next run, the flow cache fill, the messages as they arrive, the latest message
    /// decoded (events, flows with bytes and hits), the module's log.
    /// </summary>
    internal sealed class LiveView : IView
    {
        private const int RecentMessages = 6;
        private const int ShownFlows = 8;
        private const int ShownLogLines = 5;

        // The log panel's top and bottom borders.
        private const int LogPanelFrame = 2;
        private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

        // Until the live display takes the screen, module log lines print as plain lines.
        private volatile bool _live;

        public void Starting(EmulatorContext context)
        {
            AnsiConsole.MarkupLine($"[bold]nanoSecurity host emulator[/]: connecting to {Markup.Escape(context.Target)} as {Markup.Escape(context.Identity)} …");
            context.Log.LineWritten += line =>
            {
                if (!_live)
                {
                    string colour = line.Level <= LogLevel.Error ? "red" : "grey";
                    AnsiConsole.MarkupLine($"[{colour}]{line.At:HH:mm:ss} {Markup.Escape(line.Text)}[/]");
                }
            };
            if (context.Twin?.DesiredLine is string desired)
            {
                AnsiConsole.MarkupLine("[grey]twin: desired " + Markup.Escape(desired) + "[/]");
            }
        }

        public void Run(EmulatorContext context, CancellationToken stop)
        {
            _live = true;
            AnsiConsole.Live(Render(context))
                .AutoClear(false)
                .Overflow(VerticalOverflow.Ellipsis)
                .Cropping(VerticalOverflowCropping.Bottom)
                .Start(live =>
                {
                    while (!stop.WaitHandle.WaitOne(Refresh))
                    {
                        live.UpdateTarget(Render(context));
                        live.Refresh();
                    }

                    live.UpdateTarget(Render(context));
                    live.Refresh();
                });
        }

        // The full view, or the compact one when the terminal is too small for it (read at every redraw).
        private static IRenderable Render(EmulatorContext context)
        {
            IReadOnlyList<DecodedMessage> messages = context.Recorder.Messages;
            int width = AnsiConsole.Profile.Width;
            int height = AnsiConsole.Profile.Height;
            if (!CompactLiveView.Fits(width, height))
            {
                // The full view grows with the collectors, events and flows: it is drawn only when
                // it fits whole, with as many log lines as the rows left allow.
                IRenderable full = RenderFull(context, messages);
                int left = height - 1 - LinesOf(full, width);
                if (left >= 0)
                {
                    // Long log lines wrap, so the panel is measured too.
                    for (int shown = Math.Min(ShownLogLines, left - LogPanelFrame); shown > 0; shown--)
                    {
                        IRenderable log = Log(context, shown);
                        if (LinesOf(log, width) <= left)
                        {
                            return new Rows(full, log);
                        }
                    }

                    return full;
                }
            }

            return CompactLiveView.Render(context, messages, width, height);
        }

        // How many terminal lines a renderable takes at this width.
        private static int LinesOf(IRenderable renderable, int width)
        {
            var writer = new System.IO.StringWriter();
            IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Out = new AnsiConsoleOutput(writer),
            });
            console.Profile.Width = width;
            console.Write(renderable);
            return writer.ToString().Split('\n').Length - 1;
        }

        /// <summary>The module state as coloured markup.</summary>
        internal static string StateMarkup(SecurityModuleState state)
        {
            string colour = state switch
            {
                SecurityModuleState.Active => "green",
                SecurityModuleState.Pending => "yellow",
                _ => "red",
            };
            return $"[{colour} bold]{state}[/]";
        }

        /// <summary>How the run ends: "stops after N s" or "Ctrl+C to stop".</summary>
        internal static string Ending(EmulatorContext context) => context.DurationSeconds is int d
            ? string.Create(CultureInfo.InvariantCulture, $"stops after {d} s")
            : "Ctrl+C to stop";

        /// <summary>What the activity feed cannot do here (no /proc/net, no byte counts), or null.</summary>
        internal static string? FeedProblem(EmulatorContext context)
        {
            if (!context.ProcNetAvailable)
            {
                return "no /proc/net here: network activity is not fed (Linux only)";
            }

            return context.Feed.PollCount > 0 && !context.Feed.ByteCountsAvailable ? context.ByteCountsLine : null;
        }

        private static IRenderable RenderFull(EmulatorContext context, IReadOnlyList<DecodedMessage> messages)
        {
            return new Rows(
                Header(context, messages),
                new Columns(Collectors(context), Caches(context)).Collapse(),
                Recent(messages),
                Latest(messages));
        }

        private static IRenderable Header(EmulatorContext context, IReadOnlyList<DecodedMessage> messages)
        {
            MessageTotals totals = MessageTotals.Of(messages);
            string ending = Ending(context);
            string delivered = context.Delivered is int n ? $", [bold]{n}[/] delivered" : string.Empty;
            string invalid = totals.Invalid == 0
                ? (totals.Messages == 0 ? string.Empty : " — [green]all valid[/]")
                : $" — [red bold]{totals.Invalid} INVALID[/]";

            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            grid.AddRow("[grey]module[/]", $"{StateMarkup(context.Module.State)}  up {context.Uptime:hh\\:mm\\:ss}  ({Markup.Escape(ending)})");
            grid.AddRow("[grey]hub[/]", Markup.Escape(context.Target) + "  [grey]as[/] " + Markup.Escape(context.Identity));
            grid.AddRow("[grey]asc_port.config[/]", Markup.Escape(ConfigLine()));
            if (context.Twin != null)
            {
                if (context.Twin.DesiredLine is string desired)
                {
                    grid.AddRow("[grey]twin desired[/]", Markup.Escape(desired));
                }

                if (context.Twin.FileProblem is string problem)
                {
                    grid.AddRow("[grey]twin file[/]", "[red]" + Markup.Escape(problem) + "[/]");
                }

                grid.AddRow("[grey]twin reported[/]", context.Twin.ReportedLine is string reported ? Markup.Escape(reported) : "[grey]nothing yet[/]");
            }

            grid.AddRow(
                "[grey]messages[/]",
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"[bold]{totals.Messages}[/]{delivered}, {totals.Bytes} bytes, {totals.BilledUnits} billed 4 KB unit{(totals.BilledUnits == 1 ? string.Empty : "s")}, {totals.Flows} flows{invalid}"));
            if (context.Detections.Recent is { Count: > 0 } detections)
            {
                (DateTime at, DetectionReport latest) = detections[detections.Count - 1];
                grid.AddRow(
                    "[red bold]DETECTIONS[/]",
                    string.Create(CultureInfo.InvariantCulture, $"[red bold]{context.Detections.Count}[/]  latest {at:HH:mm:ss} [red]{Markup.Escape(latest.Detection + ": " + latest.Message)}[/]"));
            }

            if (FeedProblem(context) is string feedProblem)
            {
                grid.AddRow("[grey]feed[/]", "[yellow]" + Markup.Escape(feedProblem) + "[/]");
            }

            return new Panel(grid)
            {
                Header = new PanelHeader(" nanoSecurity host emulator — Defender for IoT security module " + SecurityModule.AgentVersion + " "),
                Border = BoxBorder.Rounded,
                Expand = true,
            };
        }

        private static string ConfigLine() => string.Create(
            CultureInfo.InvariantCulture,
            $"FIRST {SecurityModuleBuildInfo.FirstCollectionInterval} s · HIGH {SecurityModuleBuildInfo.HighPriorityInterval} s · "
            + $"MEDIUM {SecurityModuleBuildInfo.MediumPriorityInterval} s · LOW {SecurityModuleBuildInfo.LowPriorityInterval} s · "
            + $"message ≤ {SecurityModuleBuildInfo.MaxMessageSize} B · offline cache {SecurityModuleBuildInfo.LocalCacheSize} B (compiled in)");

        private static IRenderable Collectors(EmulatorContext context)
        {
            SecurityModule module = context.Module;
            var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("collectors") };
            table.AddColumn("collector").AddColumn("last run").AddColumn("next");
            for (int i = 0; i < module.CollectorCount; i++)
            {
                table.AddRow(
                    Markup.Escape(module.GetCollectorName(i)),
                    Markup.Escape(context.Relative(module.GetCollectorLastRun(i), future: false)),
                    Markup.Escape(context.Relative(module.GetCollectorNextDue(i), future: true)));
            }

            return table;
        }

        private static IRenderable Caches(EmulatorContext context)
        {
            SecurityModule module = context.Module;
            var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("flow caches (this interval)") };
            table.AddColumn("cache").AddColumn("fill").AddColumn(new TableColumn("flows").RightAligned());
            table.AddRow("IPv4", Gauge(module.Ipv4Connections.Count, module.Ipv4Connections.Capacity), $"{module.Ipv4Connections.Count}/{module.Ipv4Connections.Capacity}");
            table.AddRow("IPv6", Gauge(module.Ipv6Connections.Count, module.Ipv6Connections.Capacity), $"{module.Ipv6Connections.Count}/{module.Ipv6Connections.Capacity}");
            table.AddRow("[grey]feed[/]", "[grey]/proc/net every 1 s[/]", $"[grey]{context.Feed.PollCount} polls, {context.Feed.FlowsSeen} flows[/]");
            table.AddRow("[grey]bytes[/]", context.Feed.ByteCountsAvailable ? "[grey]TCP: sock_diag[/]" : "[yellow]unavailable[/]", string.Empty);
            return table;
        }

        private static string Gauge(int count, int capacity)
        {
            const int Width = 20;
            int filled = capacity <= 0 ? 0 : (int)Math.Ceiling((double)count * Width / capacity);
            filled = Math.Clamp(filled, 0, Width);
            string colour = capacity > 0 && count >= capacity ? "red" : count * 4 >= capacity * 3 ? "yellow" : "green";
            return $"[{colour}]{new string('█', filled)}[/][grey]{new string('░', Width - filled)}[/]";
        }

        private static IRenderable Recent(IReadOnlyList<DecodedMessage> messages)
        {
            var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("security messages"), Expand = true };
            table.AddColumn(new TableColumn("#").RightAligned())
                .AddColumn("time")
                .AddColumn(new TableColumn("bytes").RightAligned())
                .AddColumn(new TableColumn("4 KB units").RightAligned())
                .AddColumn("schema")
                .AddColumn("events (items)");
            if (messages.Count == 0)
            {
                table.AddRow(string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, "[grey]waiting for the first collection…[/]");
            }

            foreach (DecodedMessage message in messages.Skip(Math.Max(0, messages.Count - RecentMessages)))
            {
                table.AddRow(
                    message.Sequence.ToString(CultureInfo.InvariantCulture),
                    message.At.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                    message.Size.ToString(CultureInfo.InvariantCulture),
                    message.BilledUnits.ToString(CultureInfo.InvariantCulture),
                    message.Valid ? "[green]valid[/]" : "[red bold]INVALID[/]",
                    Markup.Escape(message.EventSummary));
            }

            return table;
        }

        private static IRenderable Latest(IReadOnlyList<DecodedMessage> messages)
        {
            if (messages.Count == 0)
            {
                return Text.Empty;
            }

            DecodedMessage message = messages[messages.Count - 1];
            var rows = new List<IRenderable>();
            foreach (DecodedEvent evt in message.Events)
            {
                string details = evt.Flows.Count > 0 ? $"{evt.Flows.Count} flows" : evt.Details;
                string items = evt.IsEmpty ? "empty" : evt.Count == 1 ? "1 item" : $"{evt.Count} items";
                rows.Add(new Markup(
                    $"[bold]{Markup.Escape(evt.DisplayName)}[/] [grey]{Markup.Escape(evt.Category)}, {items}[/]"
                    + (details.Length > 0 ? " " + Markup.Escape(details) : string.Empty)));
            }

            List<Flow> flows = message.Events.SelectMany(e => e.Flows).ToList();
            if (flows.Count > 0)
            {
                var table = new Table { Border = TableBorder.Simple };
                table.AddColumn("proto").AddColumn("dir").AddColumn("local → remote")
                    .AddColumn(new TableColumn("bytes in").RightAligned())
                    .AddColumn(new TableColumn("bytes out").RightAligned())
                    .AddColumn(new TableColumn("hits").RightAligned());
                foreach (Flow flow in flows.Take(ShownFlows))
                {
                    table.AddRow(
                        Markup.Escape(flow.Protocol),
                        Markup.Escape(flow.Direction),
                        Markup.Escape(flow.Endpoints),
                        flow.BytesIn.ToString(CultureInfo.InvariantCulture),
                        flow.BytesOut.ToString(CultureInfo.InvariantCulture),
                        flow.Hits.ToString(CultureInfo.InvariantCulture));
                }

                if (flows.Count > ShownFlows)
                {
                    table.AddRow(string.Empty, string.Empty, $"[grey]… {flows.Count - ShownFlows} more[/]", string.Empty, string.Empty, string.Empty);
                }

                rows.Add(table);
            }

            if (!message.Valid)
            {
                rows.Add(new Markup("[red]" + Markup.Escape(message.Errors.Trim()) + "[/]"));
            }

            return new Panel(new Rows(rows))
            {
                Header = new PanelHeader(string.Create(
                    CultureInfo.InvariantCulture,
                    $" latest: message #{message.Sequence}, {message.Size} bytes, {message.BilledUnits} billed unit{(message.BilledUnits == 1 ? string.Empty : "s")} ")),
                Border = BoxBorder.Rounded,
                Expand = true,
            };
        }

        private static IRenderable Log(EmulatorContext context, int shown)
        {
            IReadOnlyList<LogLine> lines = context.Log.Last(shown);
            if (lines.Count == 0)
            {
                return Text.Empty;
            }

            var rows = lines.Select(line =>
            {
                string colour = line.Level <= LogLevel.Error ? "red" : line.Level == LogLevel.Warning ? "yellow" : "grey";
                return (IRenderable)new Markup(
                    $"[grey]{line.At:HH:mm:ss}[/] [{colour}]{Markup.Escape(line.Level.ToString().ToLowerInvariant())}[/] {Markup.Escape(line.Text)}");
            });
            return new Panel(new Rows(rows)) { Header = new PanelHeader(" module log "), Border = BoxBorder.Rounded, Expand = true };
        }
    }
}
