using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// MSBuild task: parses asc_port.config, writes the typed constants class and returns the
/// conditional-compilation symbols of the boolean keys that are true.
/// </summary>
public class GenerateAscPortConfig : Task
{
    private enum Kind { Bool, Int, Text }

    private sealed class Key
    {
        public string Name;
        public Kind Kind;
        public string Default;
        public long Min;
        public long Max;
        public string Alias;
        public string Doc;
    }

    // The single place that defines which keys exist, their types, defaults and ranges.
    private static readonly Key[] Keys =
    {
        Text("ASC_SECURITY_MODULE_ID", "defender-iot-micro-agent", 1, 64, "Module identifier (ThreadX security_module_id)."),
        Int("ASC_SECURITY_MODULE_PENDING_TIME", 300, 1, 86400, "Seconds in Pending before collection is suspended."),
        Int("ASC_SECURITY_MODULE_SEND_MESSAGE_RETRY_TIME", 3, 1, 3600, "Seconds between send retries and link re-checks."),
        Int("ASC_RECONNECT_BACKOFF_MAX", 60, 1, 3600, "Longest wait in seconds between IoT Hub connection attempts (backoff from 1 s, doubling, full jitter)."),
        Int("ASC_FIRST_COLLECTION_INTERVAL", 30, 1, 86400, "First collection at a random time in [FIRST, 2*FIRST) seconds."),
        Int("ASC_HIGH_PRIORITY_INTERVAL", 10, 1, 86400, "Seconds between high priority collections."),
        Int("ASC_MEDIUM_PRIORITY_INTERVAL", 30, 1, 86400, "Seconds between medium priority collections."),
        Int("ASC_LOW_PRIORITY_INTERVAL", 60, 1, 86400, "Seconds between low priority collections."),
        Int("ASC_HIGH_PRIORITY_MESSAGE_FREQUENCY", 420, 0, 2592000, "Default seconds within which high priority events are sent (twin highPriorityMessageFrequency); 0 = with the collection that queued them."),
        Int("ASC_LOW_PRIORITY_MESSAGE_FREQUENCY", 18000, 0, 2592000, "Default seconds within which low priority events are sent (twin lowPriorityMessageFrequency); 0 = with the collection that queued them."),
        Int("ASC_SNAPSHOT_FREQUENCY", 46800, 0, 2592000, "Default seconds between snapshots (twin snapshotFrequency); 0 = at every run of their group."),
        Int("ASC_AGGREGATION_INTERVAL", 3600, 0, 2592000, "Default seconds of flow aggregation, 0 = off (twin aggregationIntervalConnectionCreate)."),
        Bool("ASC_COLLECTOR_HEARTBEAT_ENABLED", true, "collector_heartbeat_enabled", "Heartbeat collector compiled in."),
        Bool("ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED", true, "collector_system_information_enabled", "System information collector compiled in."),
        Bool("ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED", true, "collector_network_activity_enabled", "Network activity collector compiled in."),
        Bool("ASC_COLLECTOR_LISTENING_PORTS_ENABLED", true, "collector_listening_ports_enabled", "Listening ports collector compiled in."),
        Bool("ASC_COLLECTOR_NETWORK_ACTIVITY_TCP_DISABLED", false, null, "TCP left out of the accounting."),
        Bool("ASC_COLLECTOR_NETWORK_ACTIVITY_UDP_DISABLED", false, null, "UDP left out of the accounting."),
        Bool("ASC_COLLECTOR_NETWORK_ACTIVITY_ICMP_DISABLED", false, null, "ICMP and ICMPv6 left out of the accounting."),
        Bool("ASC_COLLECTOR_NETWORK_ACTIVITY_CAPTURE_UNICAST_ONLY", true, null, "Inbound broadcast and multicast ignored."),
        Int("ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_IPV4_OBJECTS_IN_CACHE", 64, 0, 4096, "IPv4 flows kept per collection interval."),
        Int("ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_IPV6_OBJECTS_IN_CACHE", 64, 0, 4096, "IPv6 flows kept per collection interval."),
        Int("ASC_COLLECTOR_NETWORK_ACTIVITY_MAX_REFUSED_FLOWS", 32, 0, 4096, "Distinct refused flows counted exactly per collection interval, per address family."),
        Bool("ASC_COLLECTOR_NETWORK_ACTIVITY_SEND_EMPTY_EVENTS", false, null, "An empty collection is still reported."),
        Int("ASC_COLLECTOR_LISTENING_PORTS_MAX_OBJECTS", 32, 1, 1024, "Listening sockets reported per snapshot."),
        Bool("ASC_DETECTIONS_ENABLED", true, null, "Edge detections compiled in (Diagnostic events raised on the device)."),
        Text("ASC_DETECTIONS_DENIED_REMOTE_ADDRESSES", "", 0, 2048, "Default deny list: comma-separated IPv4/IPv6 CIDR ranges."),
        Text("ASC_DETECTIONS_ALLOWED_REMOTE_ADDRESSES", "", 0, 2048, "Default allow list: comma-separated IPv4/IPv6 CIDR ranges; empty = no allow list."),
        Int("ASC_DETECTIONS_MAX_DENIED_RANGES", 16, 0, 256, "Capacity of the deny list."),
        Int("ASC_DETECTIONS_MAX_ALLOWED_RANGES", 16, 0, 256, "Capacity of the allow list."),
        Bool("ASC_DETECTIONS_ALLOW_LOOPBACK", true, null, "With an allow list, loopback remotes (127.0.0.0/8, ::1) are allowed."),
        Bool("ASC_DETECTIONS_ALLOW_LINK_LOCAL", true, null, "With an allow list, link-local remotes (169.254.0.0/16, fe80::/10) are allowed."),
        Text("ASC_DETECTIONS_EXPECTED_LISTENING_PORTS", "", 0, 2048, "Default expected listening ports, e.g. tcp/80,udp/5353; empty = not checked."),
        Int("ASC_DETECTIONS_MAX_EXPECTED_LISTENING_PORTS", 16, 0, 1024, "Capacity of the expected listening ports."),
        Int("ASC_DETECTIONS_ACTIVE_CONNECTIONS_MIN", 0, 0, 65535, "Default fewest flows per collection; fewer is a detection (0 = no minimum)."),
        Int("ASC_DETECTIONS_ACTIVE_CONNECTIONS_MAX", 65535, 0, 65535, "Default most flows per collection; more is a detection."),
        Int("ASC_DETECTIONS_PORT_SCAN_TABLE_SIZE", 64, 0, 4096, "Recent (remote, local port) pairs kept for port-scan detection."),
        Int("ASC_DETECTIONS_PORT_SCAN_DISTINCT_PORTS", 0, 0, 65535, "Default: more distinct local ports than this from one remote within the window is a port scan (0 = off)."),
        Int("ASC_DETECTIONS_PORT_SCAN_WINDOW", 60, 1, 86400, "Default port-scan window in seconds."),
        Int("ASC_DETECTIONS_RATE_LIMIT_INTERVAL", 60, 1, 86400, "Seconds: at most one detection per rule per remote this often; repeats are counted into the next."),
        Int("ASC_LOG_LEVEL", 0, 0, 5, "0 none, 1 fatal, 2 error, 3 warning, 4 info, 5 debug."),
        Int("ASC_MAX_MESSAGE_SIZE", 4038, 512, 262144, "Bytes of one security message (the JSON buffer)."),
        Int("ASC_LOCAL_CACHE_SIZE", 16384, 512, 16777216, "Bytes of messages kept while offline."),
        Text("ASC_AGENT_EXECUTABLE_NAME", "firmware", 1, 64, "Executable reported for every connection."),
    };

    // Keys whose value was rejected: the relations between keys are not checked on them.
    private readonly HashSet<string> _invalid = new HashSet<string>();

    [Required] public string ConfigFile { get; set; }
    [Required] public string OutputFile { get; set; }
    [Required] public string Namespace { get; set; }
    [Output] public string[] Symbols { get; set; }

    public override bool Execute()
    {
        if (!File.Exists(ConfigFile))
        {
            Log.LogError(null, "ASC000", null, ConfigFile, 0, 0, 0, 0, "asc_port.config not found: " + ConfigFile);
            return false;
        }

        var values = new Dictionary<string, string>();
        var lines = new Dictionary<string, int>();
        string[] text = File.ReadAllLines(ConfigFile);
        for (int i = 0; i < text.Length; i++)
        {
            ParseLine(text[i], i + 1, values, lines);
        }

        foreach (Key key in Keys)
        {
            if (!values.ContainsKey(key.Name))
            {
                values[key.Name] = key.Default;
            }
        }

        CheckRelations(values, lines);
        if (Log.HasLoggedErrors)
        {
            return false;
        }

        WriteIfChanged(OutputFile, Generate(values));
        var symbols = new List<string>();
        foreach (Key key in Keys)
        {
            if (key.Kind == Kind.Bool && values[key.Name] == "true")
            {
                symbols.Add(key.Name);
            }
        }

        Symbols = symbols.ToArray();
        return true;
    }

    private void ParseLine(string raw, int lineNumber, Dictionary<string, string> values, Dictionary<string, int> lines)
    {
        string line = StripComment(raw).Trim();
        if (line.Length == 0)
        {
            return;
        }

        int eq = line.IndexOf('=');
        if (eq <= 0)
        {
            Error(lineNumber, "expected 'KEY = VALUE', found '" + line + "'");
            return;
        }

        string name = line.Substring(0, eq).Trim();
        string value = line.Substring(eq + 1).Trim();
        Key key = Find(name);
        if (key == null)
        {
            Error(lineNumber, "unknown key '" + name + "'");
            return;
        }

        if (lines.ContainsKey(key.Name))
        {
            Error(lineNumber, "'" + key.Name + "' is already set on line " + lines[key.Name]);
            return;
        }

        // The line is recorded even when the value is bad, so that a second setting of the
        // key is reported as a duplicate in the same build.
        lines[key.Name] = lineNumber;
        string normalized = Normalize(key, value, lineNumber);
        if (normalized != null)
        {
            values[key.Name] = normalized;
        }
        else
        {
            _invalid.Add(key.Name);
        }
    }

    private static string StripComment(string line)
    {
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                quoted = !quoted;
            }
            else if (line[i] == '#' && !quoted)
            {
                return line.Substring(0, i);
            }
        }

        return line;
    }

    private string Normalize(Key key, string value, int lineNumber)
    {
        switch (key.Kind)
        {
            case Kind.Bool:
                switch (value.ToLowerInvariant())
                {
                    case "true": case "on": case "1": case "yes": return "true";
                    case "false": case "off": case "0": case "no": return "false";
                }

                Error(lineNumber, key.Name + " takes true or false, found '" + value + "'");
                return null;

            case Kind.Int:
                long number;
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number))
                {
                    Error(lineNumber, key.Name + " takes a whole number, found '" + value + "'");
                    return null;
                }

                if (number < key.Min || number > key.Max)
                {
                    Error(lineNumber, key.Name + " = " + number + " is out of range " + key.Min + ".." + key.Max);
                    return null;
                }

                return number.ToString(CultureInfo.InvariantCulture);

            default:
                string s = value;
                if (s.Length >= 2 && s[0] == '"' && s[s.Length - 1] == '"')
                {
                    s = s.Substring(1, s.Length - 2);
                }

                foreach (char c in s)
                {
                    if (c == '"' || c == '\\' || c < 0x20 || c > 0x7E)
                    {
                        Error(lineNumber, key.Name + " takes printable ASCII without quotes or backslashes, found '" + value + "'");
                        return null;
                    }
                }

                if (s.Length < key.Min || s.Length > key.Max)
                {
                    Error(lineNumber, key.Name + " must be " + key.Min + ".." + key.Max + " characters long, found " + s.Length);
                    return null;
                }

                return s;
        }
    }

    private void CheckRelations(Dictionary<string, string> values, Dictionary<string, int> lines)
    {
        CheckNotAbove("ASC_HIGH_PRIORITY_MESSAGE_FREQUENCY", "ASC_LOW_PRIORITY_MESSAGE_FREQUENCY", values, lines);
        CheckNotAbove("ASC_MAX_MESSAGE_SIZE", "ASC_LOCAL_CACHE_SIZE", values, lines);
        CheckNotAbove("ASC_DETECTIONS_ACTIVE_CONNECTIONS_MIN", "ASC_DETECTIONS_ACTIVE_CONNECTIONS_MAX", values, lines);
        CheckList("ASC_DETECTIONS_DENIED_REMOTE_ADDRESSES", "ASC_DETECTIONS_MAX_DENIED_RANGES", IsCidr, "an IPv4 or IPv6 CIDR range such as 203.0.113.0/24", values, lines);
        CheckList("ASC_DETECTIONS_ALLOWED_REMOTE_ADDRESSES", "ASC_DETECTIONS_MAX_ALLOWED_RANGES", IsCidr, "an IPv4 or IPv6 CIDR range such as 203.0.113.0/24", values, lines);
        CheckList("ASC_DETECTIONS_EXPECTED_LISTENING_PORTS", "ASC_DETECTIONS_MAX_EXPECTED_LISTENING_PORTS", IsPortRule, "tcp/PORT or udp/PORT", values, lines);
    }

    /// <summary>
    /// Checks a comma-separated list key item by item and against its capacity key, so that a
    /// rule the device would refuse fails the build instead.
    /// </summary>
    private void CheckList(string name, string capacityName, Func<string, bool> valid, string expected, Dictionary<string, string> values, Dictionary<string, int> lines)
    {
        if (_invalid.Contains(name) || _invalid.Contains(capacityName))
        {
            return;
        }

        int line;
        lines.TryGetValue(name, out line);
        int count = 0;
        foreach (string raw in values[name].Split(','))
        {
            string item = raw.Trim();
            if (item.Length == 0)
            {
                if (values[name].Trim().Length > 0)
                {
                    Error(line, name + " has an empty item");
                }

                continue;
            }

            count++;
            if (!valid(item))
            {
                Error(line, name + ": '" + item + "' is not " + expected);
            }
        }

        long capacity = long.Parse(values[capacityName], CultureInfo.InvariantCulture);
        if (count > capacity)
        {
            Error(line, name + " holds " + count + " items, more than " + capacityName + " = " + capacity);
        }
    }

    private static bool IsCidr(string item)
    {
        int slash = item.IndexOf('/');
        string address = slash < 0 ? item : item.Substring(0, slash);
        System.Net.IPAddress parsed;
        if (address.IndexOf('%') >= 0 || !System.Net.IPAddress.TryParse(address, out parsed))
        {
            return false;
        }

        bool v6 = parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (!v6 && address.Split('.').Length != 4)
        {
            return false;
        }

        if (slash < 0)
        {
            return true;
        }

        int prefix;
        string digits = item.Substring(slash + 1);
        return digits.Length > 0 && digits.Length <= 3
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
            && prefix <= (v6 ? 128 : 32);
    }

    private static bool IsPortRule(string item)
    {
        string lower = item.ToLowerInvariant();
        if (!lower.StartsWith("tcp/") && !lower.StartsWith("udp/"))
        {
            return false;
        }

        int port;
        string digits = item.Substring(4);
        return digits.Length > 0 && digits.Length <= 5
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out port)
            && port <= 65535;
    }

    /// <summary>
    /// Requires the value of <paramref name="smaller"/> not to exceed that of <paramref name="larger"/>
    /// (the module twin raises the same Conflict at run time).
    /// </summary>
    private void CheckNotAbove(string smaller, string larger, Dictionary<string, string> values, Dictionary<string, int> lines)
    {
        if (_invalid.Contains(smaller) || _invalid.Contains(larger))
        {
            return;
        }

        long low = long.Parse(values[smaller], CultureInfo.InvariantCulture);
        long high = long.Parse(values[larger], CultureInfo.InvariantCulture);
        if (high < low)
        {
            // Name the line that set the larger key, or, when the file leaves it at its
            // default, the line that raised the smaller one above it.
            int line;
            if (!lines.TryGetValue(larger, out line))
            {
                lines.TryGetValue(smaller, out line);
            }

            Error(line, larger + " = " + high + " must be at least " + smaller + " = " + low);
        }
    }

    private string Generate(Dictionary<string, string> values)
    {
        var sb = new StringBuilder();
        sb.Append("// <auto-generated>\n");
        sb.Append("// Generated from ").Append(Path.GetFileName(ConfigFile)).Append(" by build/AscPortConfig.targets. Do not edit.\n");
        sb.Append("// </auto-generated>\n\n");
        sb.Append("namespace ").Append(Namespace).Append("\n{\n");
        sb.Append("    /// <summary>Build-time configuration from asc_port.config.</summary>\n");
        sb.Append("    internal static class AscPortConfig\n    {\n");
        foreach (Key key in Keys)
        {
            string value = values[key.Name];
            string type = key.Kind == Kind.Bool ? "bool" : key.Kind == Kind.Int ? "int" : "string";
            string literal = key.Kind == Kind.Text ? "\"" + value + "\"" : value;
            sb.Append("        /// <summary>").Append(key.Name).Append(": ").Append(key.Doc).Append("</summary>\n");
            sb.Append("        internal const ").Append(type).Append(' ').Append(PascalCase(key.Name))
              .Append(" = ").Append(literal).Append(";\n\n");
        }

        sb.Length -= 1;
        sb.Append("    }\n}\n");
        return sb.ToString();
    }

    private static string PascalCase(string name)
    {
        var sb = new StringBuilder();
        string[] parts = name.Split('_');
        for (int i = 1; i < parts.Length; i++)
        {
            string p = parts[i].ToLowerInvariant();
            sb.Append(char.ToUpperInvariant(p[0])).Append(p, 1, p.Length - 1);
        }

        return sb.ToString();
    }

    private static void WriteIfChanged(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path)));
        File.WriteAllText(path, content);
    }

    private void Error(int line, string message)
    {
        Log.LogError(null, "ASC001", null, ConfigFile, line, 0, 0, 0, message);
    }

    private static Key Find(string name)
    {
        foreach (Key key in Keys)
        {
            if (key.Name == name || key.Alias == name)
            {
                return key;
            }
        }

        return null;
    }

    private static Key Bool(string name, bool value, string alias, string doc)
    {
        return new Key { Name = name, Kind = Kind.Bool, Default = value ? "true" : "false", Alias = alias, Doc = doc };
    }

    private static Key Int(string name, long value, long min, long max, string doc)
    {
        return new Key { Name = name, Kind = Kind.Int, Default = value.ToString(CultureInfo.InvariantCulture), Min = min, Max = max, Doc = doc };
    }

    private static Key Text(string name, string value, long min, long max, string doc)
    {
        return new Key { Name = name, Kind = Kind.Text, Default = value, Min = min, Max = max, Doc = doc };
    }
}
