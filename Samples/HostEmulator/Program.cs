using System;
using System.CommandLine;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace NanoSecurity.HostEmulator
{
    /// <summary>
    /// <c>dotnet run --project Samples/HostEmulator</c>: the security module on this PC, connected
    /// to an embedded IoT-Hub-rules broker (or to a real hub), with a live view of every message.
    /// </summary>
    internal static class Program
    {
        public static int Main(string[] args)
        {
            var duration = new Option<int?>("--duration")
            {
                Description = "Run for SECONDS, print a summary (messages, events by name, bytes, validation) and exit: "
                    + "0 only if messages arrived and every one was a valid security message, 1 otherwise. "
                    + "Without it the emulator runs until Ctrl+C.",
                HelpName = "SECONDS",
            };
            var connectionString = new Option<string?>("--connection-string")
            {
                Description = "Connect to an external broker or a real IoT Hub instead of the embedded broker: "
                    + "\"HostName=…;DeviceId=…;[ModuleId=…;]SharedAccessKey=…\". No embedded broker is started then; "
                    + "messages are still shown and validated here, as the module writes them.",
                HelpName = "STRING",
            };
            var ca = new Option<string?>("--ca")
            {
                Description = "With --connection-string: PEM file of the CA the server certificate must chain to "
                    + "(IoT Hub: DigiCert Global Root G2). Default: the system trust store.",
                HelpName = "PEM",
            };
            var port = new Option<int?>("--port")
            {
                Description = "TLS port: of the embedded broker on 127.0.0.1 (default: a free one), "
                    + "or with --connection-string of the external broker (default 8883).",
                HelpName = "PORT",
            };
            var jsonOut = new Option<string?>("--json-out")
            {
                Description = "Write every security message body the module writes as DIR/000001.json, DIR/000002.json, … "
                    + "(DIR is created; it must not hold message files of an earlier run).",
                HelpName = "DIR",
            };
            var twin = new Option<string?>("--twin")
            {
                Description = "Embedded broker only: FILE holds the desired properties of the module's azureiotsecurity twin, "
                    + "e.g. {\"ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration\":{\"highPriorityMessageFrequency\":{\"value\":\"PT10S\"}}} "
                    + "(see Samples/HostEmulator/twin.example.json). The module finds it when it connects; while it runs, every change to FILE is pushed "
                    + "as a desired patch (write null to reset a property). The configuration the module reports back is shown.",
                HelpName = "FILE",
            };
            var noUi = new Option<bool>("--no-ui")
            {
                Description = "Plain log lines instead of the live view, for CI and pipes (also chosen when stdout is not a terminal).",
            };
            var connectTimeout = new Option<int>("--connect-timeout")
            {
                Description = "Seconds the module may take to connect at start-up before the emulator gives up, naming the error.",
                HelpName = "SECONDS",
                DefaultValueFactory = _ => 20,
            };

            duration.CustomParser = result => WholeNumber(result, "--duration", 1, int.MaxValue, "second");
            port.CustomParser = result => WholeNumber(result, "--port", 1, 65535, null);
            connectTimeout.CustomParser = result => WholeNumber(result, "--connect-timeout", 1, int.MaxValue, "second") ?? 0;

            var root = new RootCommand(
                "nanoSecurity host emulator: runs the Defender for IoT security module on this PC with the host target "
                + "(TLS channel, system clocks, /proc/net network activity and listening ports), connected to an embedded "
                + "broker that enforces IoT Hub's MQTT rules and serves its azureiotsecurity module twin, and shows every security "
                + "message it sends and the configuration it reports. Its SecurityModule.dll "
                + "is built from Samples/HostEmulator/asc_port.config, a demo configuration with short intervals.")
            {
                duration,
                connectionString,
                ca,
                port,
                jsonOut,
                twin,
                noUi,
                connectTimeout,
            };
            root.Validators.Add(result =>
            {
                if (result.GetValue(ca) != null && result.GetValue(connectionString) == null)
                {
                    result.AddError("--ca goes with --connection-string (the embedded broker brings its own CA).");
                }

                if (result.GetValue(twin) != null && result.GetValue(connectionString) != null)
                {
                    result.AddError("--twin only drives the embedded broker: with --connection-string, set desired properties "
                        + "in the portal or with az iot hub module-twin update.");
                }
            });

            root.SetAction(parse =>
            {
                var settings = new EmulatorSettings
                {
                    DurationSeconds = parse.GetValue(duration),
                    ConnectionString = parse.GetValue(connectionString),
                    CaFile = parse.GetValue(ca),
                    Port = parse.GetValue(port),
                    JsonOut = parse.GetValue(jsonOut),
                    TwinFile = parse.GetValue(twin),
                    PlainOutput = parse.GetValue(noUi) || Console.IsOutputRedirected,
                    ConnectTimeoutSeconds = parse.GetValue(connectTimeout),
                };

                return RunUntilStopped(settings);
            });

            // Ctrl+C and SIGTERM are handled below, so that the module stops cleanly and the summary prints.
            ParseResult parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                // A usage error is a start-up problem too: one line with the start-up prefix, not the whole help.
                Console.Error.WriteLine("HostEmulator: " + parsed.Errors[0].Message + " (--help shows the options)");
                return Emulator.StartupFailed;
            }

            return parsed.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
        }

        /// <summary>
        /// Parses the option's single value as a whole number in [min, max]; anything else becomes a
        /// parse error naming the option and the value, so that no conversion exception escapes.
        /// </summary>
        private static int? WholeNumber(System.CommandLine.Parsing.ArgumentResult result, string name, int min, int max, string? unit)
        {
            if (result.Tokens.Count != 1)
            {
                result.AddError(name + " needs a value.");
                return null;
            }

            string text = result.Tokens[0].Value;
            string range = max == int.MaxValue
                ? (unit == null ? string.Empty : "of " + unit + "s, ") + "at least " + min
                : min + ".." + max;
            if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int value)
                || value < min || value > max)
            {
                result.AddError(name + " must be a whole number " + range + ", not '" + text + "'.");
                return null;
            }

            return value;
        }

        private static int RunUntilStopped(EmulatorSettings settings)
        {
            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            using PosixSignalRegistration? sigterm = OperatingSystem.IsWindows()
                ? null
                : PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
                {
                    context.Cancel = true;
                    stop.Cancel();
                });
            try
            {
                return Emulator.RunAsync(settings, stop.Token).GetAwaiter().GetResult();
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
    }
}
