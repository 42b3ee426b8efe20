using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>
    /// Validates security messages against Microsoft's Defender for IoT schemas (message schema
    /// 1.0), copied unmodified under DefenderSchemas/ and built once with JsonSchema.Net.
    /// </summary>
    internal static class SecurityMessageSchema
    {
        // The files' $ids are relative ("messageRoot.json"); one base for all of them lets their
        // $refs find each other in the one registry.
        private static readonly Uri BaseUri = new Uri("https://nanosecurity.test/security_message/");

        private static readonly string SchemaFolder =
            Path.Combine(AppContext.BaseDirectory, "DefenderSchemas", "security_message");

        // The schema's "date-time" format lets a space or '_' stand for the 'T'; Defender's
        // samples, RFC 3339 and ISO 8601 do not.
        private static readonly Regex TimestampPattern = new Regex(
            @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$",
            RegexOptions.CultureInvariant);

        private static readonly JsonDocumentOptions StrictJson = new JsonDocumentOptions
        {
            AllowDuplicateProperties = false,
        };

        private static readonly EvaluationOptions Evaluation = new EvaluationOptions
        {
            OutputFormat = OutputFormat.Hierarchical,
            RequireFormatValidation = true,
        };

        // message_v1_0.json picks the event's own schema with a oneOf over all of them; on a
        // failure every other branch fails too, and only the event's own one says anything useful.
        private const string EventTypeChoicePath = "/properties/Events/items/oneOf/0/allOf/2";

        private static readonly string[] EventSchemaFiles = ReadEventSchemaFiles();

        private static readonly string[] EventNames = ReadEventNames();

        private static readonly JsonSchema Root = Build();

        /// <summary>The folder the schema files were copied to, next to the test assembly.</summary>
        internal static string Folder
        {
            get { return SchemaFolder; }
        }

        /// <summary>
        /// Asserts that the first <paramref name="length"/> bytes of <paramref name="buffer"/> are
        /// strict UTF-8, strict JSON (no duplicate names), valid against the schema, and that every
        /// TimestampLocal and TimestampUTC has a 'T' between date and time.
        /// </summary>
        internal static void AssertValid(byte[] buffer, int length)
        {
            string json;
            try
            {
                json = new UTF8Encoding(false, true).GetString(buffer, 0, length);
            }
            catch (DecoderFallbackException e)
            {
                Assert.Fail("The message is not valid UTF-8: " + e.Message);
                return;
            }

            AssertValid(json);
        }

        /// <summary>
        /// Asserts that <paramref name="json"/> is strict JSON (no duplicate names), valid against
        /// the schema, and that every TimestampLocal and TimestampUTC has a 'T' between date and time.
        /// </summary>
        internal static void AssertValid(string json)
        {
            using JsonDocument document = Parse(json);
            var errors = new StringBuilder();
            Evaluate(document.RootElement, errors);
            CheckTimestamps(document.RootElement, document.RootElement, string.Empty, errors);
            if (errors.Length != 0)
            {
                Assert.Fail("The security message is invalid:\n" + errors + "Message:\n" + json);
            }
        }

        /// <summary>
        /// Checks <paramref name="json"/> against the schema alone (not the timestamps' 'T').
        /// </summary>
        /// <param name="json">The message.</param>
        /// <param name="errors">One line per error, naming the event and the failed keyword; empty if valid.</param>
        /// <returns>True if the schema accepts the message.</returns>
        internal static bool IsValid(string json, out string errors)
        {
            using JsonDocument document = Parse(json);
            var text = new StringBuilder();
            Evaluate(document.RootElement, text);
            errors = text.ToString();
            return errors.Length == 0;
        }

        private static JsonDocument Parse(string json)
        {
            try
            {
                return JsonDocument.Parse(json, StrictJson);
            }
            catch (JsonException e)
            {
                Assert.Fail("The message is not valid JSON: " + e.Message + "\nMessage:\n" + json);
                throw;
            }
        }

        private static JsonNode ReadSchemaFile(string file)
        {
            return JsonNode.Parse(File.ReadAllText(Path.Combine(SchemaFolder, file)));
        }

        private static string[] ReadEventSchemaFiles()
        {
            JsonArray choices = ReadSchemaFile("message_v1_0.json")["properties"]["Events"]["items"]["oneOf"][0]["allOf"][2]["oneOf"].AsArray();
            return choices.Select(choice => choice["$ref"].GetValue<string>().TrimEnd('#')).ToArray();
        }

        private static string[] ReadEventNames()
        {
            return EventSchemaFiles
                .Select(file => ReadSchemaFile(file)["properties"]["Name"]["enum"][0].GetValue<string>())
                .ToArray();
        }

        private static JsonSchema Build()
        {
            var options = new BuildOptions
            {
                Dialect = Dialect.Draft07,
                SchemaRegistry = new SchemaRegistry(),
            };

            // A $ref is resolved when the schema holding it is built, so its target goes in first.
            Load("messageEventTypeDefinitions_v1_0.json", options);
            foreach (string file in EventSchemaFiles)
            {
                Load(file, options);
            }

            Load("message_v1_0.json", options);
            return Load("messageRoot.json", options);
        }

        private static JsonSchema Load(string file, BuildOptions options)
        {
            JsonNode schema = ReadSchemaFile(file);

            // The event schemas hold "IsEmpty": {"boolean": ["false"]}. No draft has a "boolean"
            // keyword, so it constrains nothing; JsonSchema.Net 8 accepts it only in dialects that
            // allow unknown keywords (Draft 7 does, its default dialect throws), so it goes.
            if (schema["properties"]?["IsEmpty"] is JsonObject isEmpty)
            {
                isEmpty.Remove("boolean");
            }

            return JsonSchema.FromText(schema.ToJsonString(), options, new Uri(BaseUri, file));
        }

        private static void Evaluate(JsonElement message, StringBuilder errors)
        {
            EvaluationResults results = Root.Evaluate(message, Evaluation);
            if (!results.IsValid)
            {
                Report(results, message, errors);
            }
        }

        // Walks only failed nodes: a failed node under a passing oneOf/anyOf did not matter.
        private static void Report(EvaluationResults node, JsonElement message, StringBuilder errors)
        {
            string instance = node.InstanceLocation.ToString();
            if (node.Errors != null)
            {
                foreach (KeyValuePair<string, string> error in node.Errors)
                {
                    string keyword = error.Key.Length == 0 ? "false schema" : error.Key;
                    AppendLine(errors, message, instance, keyword + " (" + SchemaName(node) + "): " + error.Value);
                }
            }

            List<EvaluationResults> failed = (node.Details ?? new List<EvaluationResults>())
                .Where(detail => !detail.IsValid)
                .ToList();

            if (node.EvaluationPath.ToString().EndsWith(EventTypeChoicePath, StringComparison.Ordinal))
            {
                string name = EventName(message, instance);
                int index = Array.IndexOf(EventNames, name);
                if (index < 0)
                {
                    AppendLine(errors, message, instance, "Name is none of the event schemas' names: " + string.Join(", ", EventNames));
                    return;
                }

                string ownBranch = node.EvaluationPath + "/oneOf/" + index;
                failed = failed.Where(detail => detail.EvaluationPath.ToString() == ownBranch).ToList();
                if (failed.Count == 0)
                {
                    AppendLine(errors, message, instance, "oneOf: the event matches " + EventSchemaFiles[index] + " and another event schema too");
                    return;
                }
            }

            if (failed.Count == 0 && node.Errors == null)
            {
                // In these schemas only a oneOf fails with no failed subschema: more than one matched.
                AppendLine(errors, message, instance, "oneOf (" + SchemaName(node) + "): more than one subschema matched");
            }

            foreach (EvaluationResults detail in failed)
            {
                Report(detail, message, errors);
            }
        }

        private static string SchemaName(EvaluationResults node)
        {
            string location = node.SchemaLocation.ToString();
            return location.StartsWith(BaseUri.ToString(), StringComparison.Ordinal)
                ? location.Substring(BaseUri.ToString().Length)
                : location;
        }

        private static void CheckTimestamps(JsonElement message, JsonElement element, string location, StringBuilder errors)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    CheckTimestamps(message, item, location + "/" + index, errors);
                    index++;
                }
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string at = location + "/" + property.Name;
                    if ((property.Name == "TimestampLocal" || property.Name == "TimestampUTC")
                        && property.Value.ValueKind == JsonValueKind.String
                        && !TimestampPattern.IsMatch(property.Value.GetString()))
                    {
                        AppendLine(errors, message, at, "timestamp \"" + property.Value.GetString() + "\" does not match " + TimestampPattern);
                    }

                    CheckTimestamps(message, property.Value, at, errors);
                }
            }
        }

        private static void AppendLine(StringBuilder errors, JsonElement message, string instance, string text)
        {
            Match match = Regex.Match(instance, "^/Events/(\\d+)");
            if (match.Success)
            {
                errors.Append("event #").Append(match.Groups[1].Value)
                    .Append(" (").Append(EventName(message, instance) ?? "no Name").Append(") ");
            }

            errors.Append(instance.Length == 0 ? "message" : instance).Append(": ").Append(text).Append('\n');
        }

        private static string EventName(JsonElement message, string instance)
        {
            Match match = Regex.Match(instance, "^/Events/(\\d+)");
            if (!match.Success
                || message.ValueKind != JsonValueKind.Object
                || !message.TryGetProperty("Events", out JsonElement events)
                || events.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            int index = int.Parse(match.Groups[1].Value);
            if (index >= events.GetArrayLength())
            {
                return null;
            }

            JsonElement evt = events[index];
            return evt.ValueKind == JsonValueKind.Object
                && evt.TryGetProperty("Name", out JsonElement name)
                && name.ValueKind == JsonValueKind.String
                ? name.GetString()
                : null;
        }
    }
}
