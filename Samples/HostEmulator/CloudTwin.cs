using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using NanoSecurity.Testing;

namespace NanoSecurity.HostEmulator
{
    /// <summary>
    /// The cloud side of the module's <c>azureiotsecurity</c> twin in the embedded broker: with
    /// --twin, sets FILE as the desired properties before the module connects and pushes it as a
    /// desired patch whenever it changes; always, watches the reported properties and tells the
    /// views what the module says is in force.
    /// </summary>
    /// <remarks>
    /// Polls once a second, on its own thread: the file's last-write time, and the broker's copy
    /// of the reported properties (the broker has no change notification to subscribe to).
    /// </remarks>
    internal sealed class CloudTwin : IDisposable
    {
        /// <summary>The desired object of Microsoft's twin schema that the module reads.</summary>
        public const string ConfigurationObject = "ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration";

        private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

        private readonly IotHubRulesBroker _broker;
        private readonly string _clientId;
        private readonly string? _file;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private Thread? _thread;
        private DateTime? _fileWrittenAt;
        private string? _fileText;
        private int _reportedVersion = -1;
        private volatile string? _desiredLine;
        private volatile string? _reportedLine;
        private volatile string? _fileProblem;

        /// <summary>Takes the twin of <paramref name="clientId"/>; with a file, sets its desired properties now.</summary>
        /// <param name="broker">The embedded broker that keeps the twin.</param>
        /// <param name="clientId">The module identity, "{deviceId}/{moduleId}".</param>
        /// <param name="file">--twin FILE, already checked by <see cref="ReadFile"/>; null to only watch the reported properties.</param>
        /// <exception cref="StartupException">The broker refuses the document, as IoT Hub would.</exception>
        public CloudTwin(IotHubRulesBroker broker, string clientId, string? file)
        {
            _broker = broker;
            _clientId = clientId;
            _file = file;
            if (file != null)
            {
                _fileWrittenAt = File.GetLastWriteTimeUtc(file);
                _fileText = ReadFile(file);
                try
                {
                    broker.SetDesiredProperties(clientId, _fileText);
                }
                catch (ArgumentException e)
                {
                    throw new StartupException($"--twin {file}: {StartupException.Reason(e)}");
                }

                _desiredLine = $"version {DesiredVersion()} from {Path.GetFileName(file)}: {Describe(JsonNode.Parse(_fileText)!.AsObject())}";
            }
        }

        /// <summary>Raised on the twin's thread for each change: "pushing desired version 3 …", "reported …", or why the file was not pushed.</summary>
        public event Action<string>? LineWritten;

        /// <summary>The last desired properties set or pushed, as one line ("version 2 from FILE: name=value …"); null without --twin.</summary>
        public string? DesiredLine => _desiredLine;

        /// <summary>Why the file's last change was not pushed; null once a change is pushed.</summary>
        public string? FileProblem => _fileProblem;

        /// <summary>The configuration the module last reported, as one line; null before its first report.</summary>
        public string? ReportedLine => _reportedLine;

        /// <summary>Reads --twin FILE and checks that it holds one JSON object.</summary>
        /// <returns>Its text.</returns>
        /// <exception cref="StartupException">It cannot be read, or is not a JSON object.</exception>
        public static string ReadFile(string file)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                throw new StartupException($"--twin {file}: no such file");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new StartupException($"--twin {file}: cannot read it: {e.Message}");
            }

            string? error = CheckDocument(text);
            return error == null ? text : throw new StartupException($"--twin {file}: {error}");
        }

        /// <summary>Starts watching the file and the reported properties.</summary>
        public void Start()
        {
            _thread = new Thread(Watch) { IsBackground = true, Name = "cloud twin" };
            _thread.Start();
        }

        /// <summary>Stops watching, then takes the reported properties once more, so that <see cref="ReportedLine"/> is final.</summary>
        public void Stop()
        {
            _stop.Cancel();
            _thread?.Join();
            _thread = null;
            PollReported();
        }

        /// <inheritdoc />
        public void Dispose()
        {
            _stop.Cancel();
            _thread?.Join();
            _stop.Dispose();
        }

        /// <summary>
        /// The properties of <see cref="ConfigurationObject"/> as "name=value" (null for a reset),
        /// any other desired member by its name alone.
        /// </summary>
        private static string Describe(JsonObject desired)
        {
            var parts = new List<string>();
            foreach ((string name, JsonNode? node) in desired)
            {
                if (name == ConfigurationObject && node is JsonObject configuration)
                {
                    parts.AddRange(configuration.Select(p => p.Key + "=" + ValueOf(p.Value)));
                }
                else
                {
                    parts.Add(name + (node == null ? "=null" : string.Empty));
                }
            }

            return parts.Count == 0 ? "(empty)" : string.Join(" ", parts);
        }

        /// <summary>
        /// The reported configuration, short: the sending cadence and aggregation (what a demo
        /// watches change), then the events whose priority is not Low, the common default.
        /// </summary>
        private static string DescribeReported(JsonObject reported)
        {
            if (reported[ConfigurationObject] is not JsonObject configuration)
            {
                return "no agent configuration";
            }

            string Value(string name) => ValueOf(configuration[name]);

            string line = "highPriorityMessageFrequency=" + Value("highPriorityMessageFrequency")
                + " lowPriorityMessageFrequency=" + Value("lowPriorityMessageFrequency")
                + " snapshotFrequency=" + Value("snapshotFrequency")
                + (Value("aggregationEnabledConnectionCreate") == "false"
                    ? " aggregationEnabledConnectionCreate=false"
                    : " aggregationIntervalConnectionCreate=" + Value("aggregationIntervalConnectionCreate"));
            foreach (IGrouping<string, string> priority in configuration
                .Where(p => p.Key.StartsWith("eventPriority", StringComparison.Ordinal))
                .GroupBy(p => ValueOf(p.Value), p => p.Key["eventPriority".Length..])
                .Where(g => g.Key != "Low"))
            {
                line += "; " + priority.Key + ": " + string.Join(", ", priority);
            }

            return line;
        }

        /// <summary>The "value" of a {"value": …} property as JSON writes it without quotes; "null" for a reset.</summary>
        private static string ValueOf(JsonNode? property)
        {
            JsonNode? value = property is JsonObject wrapped && wrapped.ContainsKey("value") ? wrapped["value"] : property;
            return value switch
            {
                null => "null",
                JsonValue v when v.TryGetValue(out string? s) => s,
                _ => value.ToJsonString(),
            };
        }

        /// <summary>
        /// "not valid JSON at line 3, column 8: …": System.Text.Json counts lines and bytes from 0 and
        /// may quote the offending text with its line breaks; a person counts lines and characters from 1
        /// and reads an error as one line.
        /// </summary>
        private static string NotJson(JsonException e, string text)
        {
            string reason = Regex.Replace(e.Message, @"\s*(Path: \S* \| )?LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$", string.Empty);
            reason = reason.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
            if (e.LineNumber is not long line || e.BytePositionInLine is not long bytes)
            {
                return "not valid JSON: " + reason;
            }

            string[] lines = text.Split('\n');
            string lineText = line < lines.Length ? lines[line] : string.Empty;
            byte[] lineBytes = Encoding.UTF8.GetBytes(lineText);
            int column = Encoding.UTF8.GetCharCount(lineBytes, 0, (int)Math.Min(bytes, lineBytes.Length)) + 1;
            return string.Create(CultureInfo.InvariantCulture, $"not valid JSON at line {line + 1}, column {column}: {reason}");
        }

        /// <summary>Why a document cannot be the desired properties; null when it can.</summary>
        private static string? CheckDocument(string text)
        {
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(text);
            }
            catch (JsonException e)
            {
                return NotJson(e, text);
            }

            if (root is not JsonObject document)
            {
                return "must hold a JSON object, the desired properties, e.g. {\"" + ConfigurationObject + "\":{\"highPriorityMessageFrequency\":{\"value\":\"PT10S\"}}}";
            }

            // A whole twin (azureiotsecurity_default.json, az iot hub module-twin show) is the likely mistake.
            if (document["properties"] is JsonObject properties && properties.ContainsKey("desired"))
            {
                return "holds a whole twin; give only what is under properties.desired";
            }

            return null;
        }

        private int DesiredVersion() =>
            JsonNode.Parse(_broker.GetDesiredProperties(_clientId))!["$version"]!.GetValue<int>();

        private void Watch()
        {
            while (!_stop.Token.WaitHandle.WaitOne(PollInterval))
            {
                if (_file != null)
                {
                    PollFile(_file);
                }

                PollReported();
            }
        }

        private void PollFile(string file)
        {
            DateTime writtenAt;
            string text;
            try
            {
                writtenAt = File.GetLastWriteTimeUtc(file);
                if (writtenAt == _fileWrittenAt)
                {
                    return;
                }

                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // An editor replacing the file: the next poll reads the new one.
                return;
            }

            _fileWrittenAt = writtenAt;
            if (text == _fileText)
            {
                return;
            }

            _fileText = text;
            string? error = CheckDocument(text);
            if (error != null)
            {
                // Perhaps read half-written: read it again next time, even if its time stays the same.
                _fileWrittenAt = null;
                NotPushed(file, error);
                return;
            }

            // Announced before it goes, so that the line comes before the module's answer to it;
            // this is the twin's only cloud side, so the patch takes the next version.
            string desired = $"version {DesiredVersion() + 1} from {Path.GetFileName(file)}: {Describe(JsonNode.Parse(text)!.AsObject())}";
            Write("pushing desired " + desired);
            try
            {
                _broker.UpdateDesiredPropertiesAsync(_clientId, text).GetAwaiter().GetResult();
            }
            catch (ArgumentException e)
            {
                NotPushed(file, StartupException.Reason(e));
                return;
            }

            _desiredLine = desired;
            _fileProblem = null;
        }

        private void NotPushed(string file, string why)
        {
            _fileProblem = $"{Path.GetFileName(file)} changed but was not pushed: {why}";
            Write(_fileProblem);
        }

        private void PollReported()
        {
            JsonObject reported = JsonNode.Parse(_broker.GetReportedProperties(_clientId))!.AsObject();
            int version = reported["$version"]!.GetValue<int>();

            // Version 1 is the empty twin the broker starts with: the module has not reported yet.
            if (version == _reportedVersion || version == 1)
            {
                return;
            }

            _reportedVersion = version;
            string line = DescribeReported(reported);
            if (line != _reportedLine)
            {
                _reportedLine = line;
                Write("reported " + line);
            }
        }

        private void Write(string line) => LineWritten?.Invoke("twin: " + line);
    }
}
