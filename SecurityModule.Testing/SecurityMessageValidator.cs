using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace NanoSecurity.Testing
{
    /// <summary>
    /// Validates security messages against Microsoft's Defender for IoT schemas (message schema
    /// 1.0), which ship unmodified in DefenderSchemas/ next to this assembly (MIT, see
    /// DefenderSchemas/LICENSE.md), built once with JsonSchema.Net 8 with format validation.
    /// </summary>
    /// <remarks>
    /// A message is valid when it is strict UTF-8, strict JSON (no duplicate property names),
    /// valid against the schema, and every TimestampLocal and TimestampUTC is an RFC 3339
    /// timestamp with a 'T' between date and time (the schema's "date-time" format, as
    /// JsonSchema.Net checks it, also lets a space or '_' stand there; Defender's samples, RFC 3339
    /// and ISO 8601 do not). Used by the tests and by the host emulator; thread-safe.
    /// </remarks>
    public static class SecurityMessageValidator
    {
        // The files' $ids are relative ("messageRoot.json"); one base for all of them lets their
        // $refs find each other in the one registry.
        private static readonly Uri BaseUri = new Uri("https://nanosecurity.test/security_message/");

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

        private static readonly Lazy<Schemas> Loaded = new Lazy<Schemas>(Schemas.Load);

        /// <summary>The folder holding all of Microsoft's schemas (security_message/, security_module_twin/).</summary>
        public static string SchemasFolder { get; } = FindSchemasFolder();

        /// <summary>The folder of the security message schemas (and Microsoft's samples/).</summary>
        public static string Folder => Path.Combine(SchemasFolder, "security_message");

        /// <summary>
        /// Checks the first <paramref name="length"/> bytes of <paramref name="body"/>: strict UTF-8,
        /// strict JSON, the schema, and the timestamps' 'T'.
        /// </summary>
        /// <param name="body">Buffer holding the message; bytes after <paramref name="length"/> are ignored.</param>
        /// <param name="length">Bytes of the message.</param>
        /// <param name="errors">One line per problem, naming the event and the failed keyword; empty when valid.</param>
        /// <returns>True when the message is valid.</returns>
        public static bool Validate(byte[] body, int length, out string errors)
        {
            if (body == null)
            {
                throw new ArgumentNullException(nameof(body));
            }

            if (length < 0 || length > body.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(length), length, "Outside the buffer.");
            }

            string json;
            try
            {
                json = new UTF8Encoding(false, true).GetString(body, 0, length);
            }
            catch (DecoderFallbackException e)
            {
                errors = "The message is not valid UTF-8: " + e.Message + "\n";
                return false;
            }

            return Validate(json, out errors);
        }

        /// <summary>Checks a message: strict JSON, the schema, and the timestamps' 'T'.</summary>
        /// <param name="json">The message.</param>
        /// <param name="errors">One line per problem; empty when valid.</param>
        /// <returns>True when the message is valid.</returns>
        public static bool Validate(string json, out string errors)
        {
            return Check(json, checkTimestamps: true, out errors);
        }

        /// <summary>Checks a message against the schema alone (strict JSON included, not the timestamps' 'T').</summary>
        /// <param name="json">The message.</param>
        /// <param name="errors">One line per problem; empty when valid.</param>
        /// <returns>True when the schema accepts the message.</returns>
        public static bool ValidateSchemaOnly(string json, out string errors)
        {
            return Check(json, checkTimestamps: false, out errors);
        }

        private static bool Check(string json, bool checkTimestamps, out string errors)
        {
            if (json == null)
            {
                throw new ArgumentNullException(nameof(json));
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json, StrictJson);
            }
            catch (JsonException e)
            {
                errors = "The message is not valid JSON: " + e.Message + "\n";
                return false;
            }

            using (document)
            {
                var text = new StringBuilder();
                Evaluate(document.RootElement, text);
                if (checkTimestamps)
                {
                    CheckTimestamps(document.RootElement, document.RootElement, string.Empty, text);
                }

                errors = text.ToString();
                return errors.Length == 0;
            }
        }

        private static string FindSchemasFolder()
        {
            // Copied next to every assembly that references this one; AppContext.BaseDirectory is
            // that folder for an application and for a test host alike.
            string[] candidates =
            {
                Path.Combine(AppContext.BaseDirectory, "DefenderSchemas"),
                Path.Combine(Path.GetDirectoryName(typeof(SecurityMessageValidator).Assembly.Location) ?? ".", "DefenderSchemas"),
            };
            foreach (string candidate in candidates)
            {
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            return candidates[0];
        }

        private static void Evaluate(JsonElement message, StringBuilder errors)
        {
            Schemas schemas = Loaded.Value;
            EvaluationResults results = schemas.Root.Evaluate(message, Evaluation);
            if (!results.IsValid)
            {
                Report(schemas, results, message, errors);
            }
        }

        // Walks only failed nodes: a failed node under a passing oneOf/anyOf did not matter.
        private static void Report(Schemas schemas, EvaluationResults node, JsonElement message, StringBuilder errors)
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
                string? name = EventName(message, instance);
                int index = name == null ? -1 : Array.IndexOf(schemas.EventNames, name);
                if (index < 0)
                {
                    AppendLine(errors, message, instance, "Name is none of the event schemas' names: " + string.Join(", ", schemas.EventNames));
                    return;
                }

                string ownBranch = node.EvaluationPath + "/oneOf/" + index;
                failed = failed.Where(detail => detail.EvaluationPath.ToString() == ownBranch).ToList();
                if (failed.Count == 0)
                {
                    AppendLine(errors, message, instance, "oneOf: the event matches " + schemas.EventSchemaFiles[index] + " and another event schema too");
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
                Report(schemas, detail, message, errors);
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
                        && !TimestampPattern.IsMatch(property.Value.GetString()!))
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

        private static string? EventName(JsonElement message, string instance)
        {
            Match match = Regex.Match(instance, "^/Events/(\\d+)");
            if (!match.Success
                || message.ValueKind != JsonValueKind.Object
                || !message.TryGetProperty("Events", out JsonElement events)
                || events.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            int index = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
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

        /// <summary>The built schema and what reporting needs to know about its event branches.</summary>
        private sealed class Schemas
        {
            private Schemas(JsonSchema root, string[] eventSchemaFiles, string[] eventNames)
            {
                Root = root;
                EventSchemaFiles = eventSchemaFiles;
                EventNames = eventNames;
            }

            public JsonSchema Root { get; }

            public string[] EventSchemaFiles { get; }

            public string[] EventNames { get; }

            public static Schemas Load()
            {
                if (!Directory.Exists(Folder))
                {
                    throw new DirectoryNotFoundException(
                        "Defender for IoT schemas not found in " + Folder
                        + ": they are copied to the output of every project that references SecurityModule.Testing.");
                }

                JsonArray choices = ReadSchemaFile("message_v1_0.json")["properties"]!["Events"]!["items"]!["oneOf"]![0]!["allOf"]![2]!["oneOf"]!.AsArray();
                string[] files = choices.Select(choice => choice!["$ref"]!.GetValue<string>().TrimEnd('#')).ToArray();
                string[] names = files
                    .Select(file => ReadSchemaFile(file)["properties"]!["Name"]!["enum"]![0]!.GetValue<string>())
                    .ToArray();

                var options = new BuildOptions
                {
                    Dialect = Dialect.Draft07,
                    SchemaRegistry = new SchemaRegistry(),
                };

                // A $ref is resolved when the schema holding it is built, so its target goes in first.
                Build("messageEventTypeDefinitions_v1_0.json", options);
                foreach (string file in files)
                {
                    Build(file, options);
                }

                Build("message_v1_0.json", options);
                return new Schemas(Build("messageRoot.json", options), files, names);
            }

            private static JsonNode ReadSchemaFile(string file)
            {
                return JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, file)))!;
            }

            private static JsonSchema Build(string file, BuildOptions options)
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
        }
    }
}
