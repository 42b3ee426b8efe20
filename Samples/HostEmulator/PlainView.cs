using System;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace NanoSecurity.HostEmulator
{
    /// <summary>What shows the run: the live view, or plain lines.</summary>
    internal interface IView
    {
        /// <summary>Before the module starts: subscribe, print the header.</summary>
        void Starting(EmulatorContext context);

        /// <summary>Shows the run until <paramref name="stop"/> fires.</summary>
        void Run(EmulatorContext context, CancellationToken stop);
    }

    /// <summary>
    /// --no-ui (and whenever stdout is not a terminal): one line per event, for CI and pipes.
    /// Module log lines, every message with its events and flows, the twin's desired and reported
    /// properties as they change, and a status line every 10 s.
    /// </summary>
    internal sealed class PlainView : IView
    {
        private const int StatusEverySeconds = 10;
        private readonly object _sync = new object();

        public void Starting(EmulatorContext context)
        {
            Write("nanoSecurity host emulator: Defender for IoT security module " + SecurityModule.AgentVersion + " on the host target");
            Write("SecurityModule.dll " + typeof(SecurityModule).Assembly.Location);
            Write("compiled-in asc_port.config: " + EmulatorContext.BuildInfo);
            Write("hub: " + context.Target + ", identity " + context.Identity);
            if (!context.ProcNetAvailable)
            {
                Write("no /proc/net here: the network activity feed sees nothing (only Linux exposes it)");
            }

            if (context.Twin?.DesiredLine is string desired)
            {
                Write("twin: desired " + desired);
            }

            context.Log.LineWritten += line => Write($"module {line.Level.ToString().ToLowerInvariant()}: {line.Text}", line.At);
            if (context.Twin != null)
            {
                context.Twin.LineWritten += line => Write(line);
            }
            context.Recorder.MessageRecorded += message => WriteMessage(message);
            context.Detections.Raised += (report, at) => Write(DetectionLog.Line(report), at);
        }

        public void Run(EmulatorContext context, CancellationToken stop)
        {
            Write("running" + (context.DurationSeconds is int d ? $" for {d} s" : " until Ctrl+C"));
            while (!stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(StatusEverySeconds)))
            {
                WriteStatus(context);
            }

            WriteStatus(context);
        }

        private void WriteStatus(EmulatorContext context)
        {
            SecurityModule module = context.Module;
            string collectors = string.Join(", ", Enumerable.Range(0, module.CollectorCount)
                .Select(i => $"{module.GetCollectorName(i)} {context.Relative(module.GetCollectorLastRun(i), future: false)}"));
            MessageTotals totals = MessageTotals.Of(context.Recorder.Messages);
            string delivered = context.Delivered is int count ? $", {count} delivered" : string.Empty;
            Write(string.Create(
                CultureInfo.InvariantCulture,
                $"status: {module.State}, up {context.Uptime.TotalSeconds:0} s; "
                + $"IPv4 cache {module.Ipv4Connections.Count}/{module.Ipv4Connections.Capacity}, "
                + $"IPv6 cache {module.Ipv6Connections.Count}/{module.Ipv6Connections.Capacity}; "
                + $"feed {context.Feed.PollCount} polls, {context.Feed.FlowsSeen} flows, {context.ByteCountsLine}; "
                + $"{totals.Messages} messages{delivered}"));
            Write("collectors (last run): " + collectors);
        }

        private void WriteMessage(DecodedMessage message)
        {
            lock (_sync)
            {
                Write(
                    $"message #{message.Sequence}: {message.Size} bytes, {message.BilledUnits} billed 4 KB unit{(message.BilledUnits == 1 ? string.Empty : "s")}, "
                    + (message.Valid ? "valid" : "INVALID") + "; " + message.EventSummary,
                    message.At);
                foreach (DecodedEvent evt in message.Events)
                {
                    foreach (Flow flow in evt.Flows)
                    {
                        Write($"    flow {flow.Protocol} {flow.Direction} {flow.Endpoints}: bytes in {flow.BytesIn}, out {flow.BytesOut}, hits {flow.Hits}", message.At);
                    }

                    if (evt.Details.Length > 0)
                    {
                        Write($"    {evt.DisplayName}: {evt.Details}", message.At);
                    }
                }

                if (!message.Valid)
                {
                    foreach (string error in message.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        Write("    invalid: " + error, message.At);
                    }
                }
            }
        }

        private void Write(string text, DateTime? at = null)
        {
            lock (_sync)
            {
                Console.Out.WriteLine((at ?? DateTime.Now).ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " " + text);
                Console.Out.Flush();
            }
        }
    }
}
