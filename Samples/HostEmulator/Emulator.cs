using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using NanoSecurity.Host;
using NanoSecurity.Testing;

namespace NanoSecurity.HostEmulator
{
    /// <summary>
    /// What the views look at while the emulator runs: the module, its ports and the broker.
    /// </summary>
    internal sealed class EmulatorContext
    {
        public required SecurityModule Module { get; init; }

        public required IMonotonicClock Clock { get; init; }

        public required ModuleLog Log { get; init; }

        public required MessageRecorder Recorder { get; init; }

        public required ProcNetActivityFeed Feed { get; init; }

        /// <summary>The module's edge detections.</summary>
        public required DetectionLog Detections { get; init; }

        /// <summary>The embedded broker; null with --connection-string.</summary>
        public IotHubRulesBroker? Broker { get; init; }

        /// <summary>The cloud side of the module's twin in the embedded broker; null with --connection-string.</summary>
        public CloudTwin? Twin { get; init; }

        /// <summary>"embedded IoT-Hub-rules broker 127.0.0.1:1234 (TLS)" or the external host:port.</summary>
        public required string Target { get; init; }

        /// <summary>The device (and module) identity the module connects as.</summary>
        public required string Identity { get; init; }

        /// <summary>Whether /proc/net exists, i.e. whether the activity feed sees anything.</summary>
        public bool ProcNetAvailable { get; init; }

        /// <summary>Where the flows' byte counts come from, or why there are none (one line, no markup).</summary>
        public string ByteCountsLine => Feed.ByteCountsAvailable
            ? "TCP bytes from the kernel's per-socket counters (NETLINK_SOCK_DIAG), UDP 0"
            : "byte counts unavailable (" + Feed.ByteCountsUnavailableReason + "): flows show 0 bytes";

        /// <summary>Monotonic time the module started.</summary>
        public long StartedAt { get; init; }

        /// <summary>--duration, if given.</summary>
        public int? DurationSeconds { get; init; }

        /// <summary>
        /// Distinct messages the embedded broker accepted; null with an external broker (unknown here).
        /// A message published again after a reconnect has the same bytes, so it counts once here and
        /// once in <see cref="Duplicates"/>.
        /// </summary>
        public int? Delivered => Broker is null ? null : DistinctPayloads(Broker.Telemetry);

        /// <summary>Messages the embedded broker accepted more than once (the extra copies); null with an external broker.</summary>
        public int? Duplicates => Broker is null ? null : Broker.Telemetry.Count - DistinctPayloads(Broker.Telemetry);

        private static int DistinctPayloads(IReadOnlyList<AcceptedPublish> telemetry)
            => telemetry.Select(p => Convert.ToBase64String(p.Payload)).Distinct(StringComparer.Ordinal).Count();

        /// <summary>The compiled-in configuration, as one line.</summary>
        public static string BuildInfo =>
            string.Create(
                CultureInfo.InvariantCulture,
                $"ASC_FIRST_COLLECTION_INTERVAL={SecurityModuleBuildInfo.FirstCollectionInterval} "
                + $"ASC_HIGH_PRIORITY_INTERVAL={SecurityModuleBuildInfo.HighPriorityInterval} "
                + $"ASC_MEDIUM_PRIORITY_INTERVAL={SecurityModuleBuildInfo.MediumPriorityInterval} "
                + $"ASC_LOW_PRIORITY_INTERVAL={SecurityModuleBuildInfo.LowPriorityInterval} "
                + $"ASC_MAX_MESSAGE_SIZE={SecurityModuleBuildInfo.MaxMessageSize} "
                + $"ASC_LOCAL_CACHE_SIZE={SecurityModuleBuildInfo.LocalCacheSize} "
                + $"ASC_LOG_LEVEL={SecurityModuleBuildInfo.LogLevel}");

        /// <summary>"3.2 s ago", "in 1.5 s", "never", relative to now on the module's clock.</summary>
        public string Relative(long monotonic, bool future)
        {
            if (monotonic < 0)
            {
                return future ? "—" : "never";
            }

            double seconds = (monotonic - Clock.ElapsedMilliseconds) / 1000.0;
            if (future)
            {
                return seconds <= 0 ? "due" : string.Create(CultureInfo.InvariantCulture, $"in {seconds:0.0} s");
            }

            return string.Create(CultureInfo.InvariantCulture, $"{-seconds:0.0} s ago");
        }

        /// <summary>Seconds since the module started.</summary>
        public TimeSpan Uptime => TimeSpan.FromMilliseconds(Clock.ElapsedMilliseconds - StartedAt);
    }

    /// <summary>
    /// Starts the embedded broker (or takes the external one), the security module with the host
    /// target and the /proc/net activity feed; runs a view until Ctrl+C or --duration; prints the
    /// summary and returns the exit code.
    /// </summary>
    internal static class Emulator
    {
        /// <summary>Exit code of a run that ended well.</summary>
        public const int Success = 0;

        /// <summary>Exit code of a --duration run with no message or an invalid one.</summary>
        public const int Failed = 1;

        /// <summary>Exit code of a start-up problem.</summary>
        public const int StartupFailed = 2;

        private const int FeedIntervalMilliseconds = 1000;
        private const int DefaultHubPort = 8883;

        // The module identity the Defender for IoT configuration lives in, so the embedded
        // broker plays the azureiotsecurity module twin, not a device twin.
        private const string ModuleId = "azureiotsecurity";

        public static async Task<int> RunAsync(EmulatorSettings settings, CancellationToken cancel)
        {
            IotHubRulesBroker? broker = null;
            CloudTwin? twin = null;
            TlsNetworkChannel? channel = null;
            MessageRecorder? recorder = null;
            SecurityModule? module = null;
            ProcNetActivityFeed? feed = null;
            try
            {
                CheckSchemas();
                if (settings.TwinFile != null)
                {
                    // A bad --twin file stops the run here, before the broker or anything else starts.
                    CloudTwin.ReadFile(settings.TwinFile);
                }

                string? jsonOut = PrepareJsonOut(settings.JsonOut);

                // Build the schemas now, not when the first message arrives.
                Task warmUp = Task.Run(() => SecurityMessageValidator.Validate("{}", out _));

                string connectionString;
                string? caFile;
                int port;
                string target;
                if (settings.ConnectionString == null)
                {
                    broker = await StartBrokerAsync(settings.Port).ConfigureAwait(false);
                    string deviceId = "host-emulator-" + RandomNumberGenerator.GetHexString(6, lowercase: true);
                    string key = IotHubRulesBroker.NewSymmetricKey();
                    broker.AddModule(deviceId, ModuleId, key);

                    // Before the module starts, so that the twin GET of its first connection finds the document.
                    twin = new CloudTwin(broker, deviceId + "/" + ModuleId, settings.TwinFile);
                    connectionString = $"HostName={broker.HostName};DeviceId={deviceId};ModuleId={ModuleId};SharedAccessKey={key}";
                    caFile = broker.Certificates!.CaCertificateFile;
                    port = broker.TlsPort;
                    target = $"embedded IoT-Hub-rules broker on {broker.Address}:{port} (TLS, generated CA)";
                }
                else
                {
                    connectionString = settings.ConnectionString;
                    caFile = settings.CaFile;
                    port = settings.Port ?? DefaultHubPort;
                    target = string.Empty;
                }

                IotHubConnectionString identity = ParseConnectionString(connectionString);
                if (broker == null)
                {
                    target = $"{identity.HostName}:{port} (TLS, {(caFile == null ? "system trust store" : "CA " + caFile)})";
                }

                channel = OpenChannel(caFile);
                var clock = new StopwatchMonotonicClock();
                var log = new ModuleLog();
                recorder = new MessageRecorder(jsonOut);
                var detections = new DetectionLog();
                module = new SecurityModule(new SecurityModuleOptions
                {
                    MonotonicClock = clock,
                    UtcClock = new SystemUtcClock(),
                    Random = new CryptoRandomSource(),
                    Log = log,
                    ConnectionString = connectionString,
                    Channel = channel,
                    Port = port,
                    SystemInformation = new HostSystemInformation(),
                    ListeningPorts = new ProcNetListeningPorts(),
                    MessageObserver = recorder,
                    DetectionObserver = detections,
                });

                bool procNet = File.Exists("/proc/net/tcp");
                feed = new ProcNetActivityFeed(module.Ipv4Connections, module.Ipv6Connections);
                feed.Start(FeedIntervalMilliseconds);

                var context = new EmulatorContext
                {
                    Module = module,
                    Clock = clock,
                    Log = log,
                    Recorder = recorder,
                    Feed = feed,
                    Detections = detections,
                    Broker = broker,
                    Twin = twin,
                    Target = target,
                    Identity = identity.ModuleId == null ? identity.DeviceId : identity.DeviceId + "/" + identity.ModuleId,
                    ProcNetAvailable = procNet,
                    StartedAt = clock.ElapsedMilliseconds,
                    DurationSeconds = settings.DurationSeconds,
                };

                IView view = settings.PlainOutput ? new PlainView() : new LiveView();
                view.Starting(context);
                twin?.Start();
                module.Start();
                WaitForConnection(context, identity.HostName, port, settings.ConnectTimeoutSeconds, cancel);
                await warmUp.ConfigureAwait(false);

                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                if (settings.DurationSeconds is int duration)
                {
                    stop.CancelAfter(TimeSpan.FromSeconds(duration));
                }

                view.Run(context, stop.Token);

                // Stop collecting, then let the recorder finish what the module wrote.
                feed.Stop();
                module.Stop();
                recorder.Complete();
                twin?.Stop();
                return Summarize(context, settings, context.Delivered, context.Duplicates);
            }
            catch (StartupException e)
            {
                Console.Error.WriteLine("HostEmulator: " + e.Message);
                return StartupFailed;
            }
            finally
            {
                feed?.Dispose();
                twin?.Dispose();
                module?.Dispose();
                recorder?.Dispose();
                channel?.Dispose();
                if (broker != null)
                {
                    await broker.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        private static string Count(long count, string noun) =>
            count.ToString(CultureInfo.InvariantCulture) + " " + noun + (count == 1 ? string.Empty : "s");

        private static void CheckSchemas()
        {
            if (!File.Exists(Path.Combine(SecurityMessageValidator.Folder, "messageRoot.json")))
            {
                throw new StartupException(
                    $"the Defender for IoT schemas are missing from {SecurityMessageValidator.Folder}; rebuild the emulator (they come with SecurityModule.Testing)");
            }
        }

        private static string? PrepareJsonOut(string? folder)
        {
            if (folder == null)
            {
                return null;
            }

            string full = Path.GetFullPath(folder);
            try
            {
                Directory.CreateDirectory(full);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new StartupException($"cannot create the --json-out folder {full}: {e.Message}");
            }

            // Files of an earlier run would mix with this one's: refuse rather than delete them.
            if (Directory.EnumerateFiles(full, "*.json").Any(f => Regex.IsMatch(Path.GetFileName(f), @"^\d{6}\.json$")))
            {
                throw new StartupException($"the --json-out folder {full} already holds message files (NNNNNN.json); give an empty or new folder");
            }

            return full;
        }

        private static async Task<IotHubRulesBroker> StartBrokerAsync(int? port)
        {
            try
            {
                return await IotHubRulesBroker.StartAsync(new IotHubRulesBrokerOptions { HostName = "localhost", TlsPort = port ?? 0 })
                    .ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new StartupException($"port 127.0.0.1:{port} is in use: give another with --port, or leave --port out to take a free one");
            }
            catch (SocketException e)
            {
                throw new StartupException($"the embedded broker cannot listen on 127.0.0.1:{port}: {e.Message}");
            }
        }

        private static IotHubConnectionString ParseConnectionString(string connectionString)
        {
            try
            {
                // The parser's messages name the part, never the key.
                return IotHubConnectionString.Parse(connectionString);
            }
            catch (ArgumentException e)
            {
                throw new StartupException("bad connection string: " + e.Message
                    + " (expected \"HostName=…;DeviceId=…;[ModuleId=…;]SharedAccessKey=…\")");
            }
        }

        private static TlsNetworkChannel OpenChannel(string? caFile)
        {
            try
            {
                return new TlsNetworkChannel(new TlsChannelOptions { CaCertificateFile = caFile });
            }
            catch (IOException e)
            {
                throw new StartupException(e.Message);
            }
            catch (ArgumentException e)
            {
                throw new StartupException(StartupException.Reason(e));
            }
        }

        private static void WaitForConnection(EmulatorContext context, string host, int port, int timeoutSeconds, CancellationToken cancel)
        {
            DateTime end = DateTime.UtcNow.AddSeconds(timeoutSeconds);
            while (context.Module.State != SecurityModuleState.Active)
            {
                if (cancel.IsCancellationRequested)
                {
                    throw new StartupException("stopped before the module connected");
                }

                if (DateTime.UtcNow >= end)
                {
                    string why = context.Log.LastError ?? "no answer";
                    throw new StartupException(
                        $"the module did not connect to {host}:{port} within {timeoutSeconds} s: {why}");
                }

                cancel.WaitHandle.WaitOne(100);
            }
        }

        private static int Summarize(EmulatorContext context, EmulatorSettings settings, int? delivered, int? duplicates)
        {
            IReadOnlyList<DecodedMessage> messages = context.Recorder.Messages;
            MessageTotals totals = MessageTotals.Of(messages);
            var lines = new List<string>
            {
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"summary: {Count(totals.Messages, "message")}, {totals.Bytes} bytes, {Count(totals.BilledUnits, "billed 4 KB unit")}, {Count(totals.Flows, "flow")}, ran {context.Uptime.TotalSeconds:0} s"),
            };
            if (context.ProcNetAvailable && !context.Feed.ByteCountsAvailable)
            {
                lines.Add("flows: " + context.ByteCountsLine);
            }

            if (delivered != null)
            {
                lines.Add($"delivered: {delivered} of {totals.Messages} accepted by the embedded broker under IoT Hub's rules"
                    + (totals.Messages > delivered ? " (the rest were still queued when the run ended)" : string.Empty)
                    + (duplicates > 0 ? $", {Count(duplicates.Value, "duplicate")} (published again after a lost PUBACK)" : ", no duplicate"));
            }
            else
            {
                lines.Add($"delivered: sent to {context.Target}; the module's session publishes at QoS 1 (see the broker's side)");
            }

            if (context.Twin != null)
            {
                lines.Add("twin: " + (context.Twin.ReportedLine is string reported ? "reported " + reported : "the module reported nothing"));
            }

            lines.Add("events: " + (totals.EventsByName.Count == 0
                ? "none"
                : string.Join(", ", totals.EventsByName.Select(e => $"{e.Name} {e.Count}"))));

            if (totals.Invalid == 0)
            {
                lines.Add(totals.Messages == 0
                    ? "validation: no message to validate"
                    : totals.Messages == 1
                        ? "validation: the message is a valid security message (Defender for IoT schema 1.0, RFC 3339 timestamps)"
                        : $"validation: all {totals.Messages} messages are valid security messages (Defender for IoT schema 1.0, RFC 3339 timestamps)");
            }
            else
            {
                lines.Add($"validation: {totals.Invalid} of {totals.Messages} messages are INVALID:");
                foreach (DecodedMessage invalid in messages.Where(m => !m.Valid).Take(5))
                {
                    lines.Add($"  message #{invalid.Sequence}: {invalid.Errors.Trim().Replace("\n", "\n    ", StringComparison.Ordinal)}");
                }
            }

            var problems = new List<string>();
            if (context.Broker != null)
            {
                foreach (RuleViolation violation in context.Broker.Violations)
                {
                    problems.Add("broker rule violation: " + violation);
                }

                foreach (RejectedConnection rejected in context.Broker.RejectedConnections)
                {
                    problems.Add("broker refused a connection: " + rejected);
                }
            }

            if (context.Recorder.WriteError != null)
            {
                problems.Add("--json-out: " + context.Recorder.WriteError);
            }

            lines.AddRange(problems);

            bool ok = totals.Messages > 0 && totals.Invalid == 0 && problems.Count == 0 && (delivered == null || delivered > 0);
            if (settings.DurationSeconds == null)
            {
                // Stopped with Ctrl+C: only an invalid message makes that a failure.
                ok = totals.Invalid == 0 && problems.Count == 0;
            }

            if (settings.JsonOut != null)
            {
                lines.Add($"json-out: {Count(totals.Messages, "file")} in {Path.GetFullPath(settings.JsonOut)}");
            }

            lines.Add("result: " + (ok ? "OK" : totals.Messages == 0 ? "FAILED (no message arrived)" : "FAILED"));
            foreach (string line in lines)
            {
                Console.Out.WriteLine(line);
            }

            Console.Out.Flush();
            return ok ? Success : Failed;
        }
    }
}
