using System.Text.Json;
using Xunit;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// ConfigurationError security events, written by <see cref="ConfigurationErrorCollector"/>
    /// from the errors the twin parser records, valid against Microsoft's message schema.
    /// </summary>
    public class ConfigurationErrorEventTests
    {
        private static readonly DateTime Now = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);

        [Fact]
        public void EachErrorIsOnePayloadItemOfOneTriggeredOperationalEvent()
        {
            var errors = new ConfigurationErrorList(ConfigurationErrorList.DefaultCapacity);
            errors.Add(new ConfigurationError("highPriorityMessageFrequency", ConfigurationErrorType.Conflict, "PT7M", "high is longer than low"));
            errors.Add(new ConfigurationError("maxMessageSizeInBytes", ConfigurationErrorType.NotOptimal, "10000", "not a multiple of 4096"));
            errors.Add(new ConfigurationError("TwinConfiguration", ConfigurationErrorType.TypeMismatch, "unchanged", "quote \" backslash \\ tab \t é 😀"));

            CapturingSink sink = Collect(errors, 4038);

            JsonElement e = Assert.Single(sink.Events);
            Assert.Equal("ConfigurationError", e.GetProperty("Name").GetString());
            Assert.Equal("Triggered", e.GetProperty("Category").GetString());
            Assert.Equal("Operational", e.GetProperty("EventType").GetString());
            Assert.Equal("1.0", e.GetProperty("PayloadSchemaVersion").GetString());
            Assert.False(e.GetProperty("IsEmpty").GetBoolean());
            Assert.Equal(
                new[]
                {
                    "highPriorityMessageFrequency|Conflict|PT7M|high is longer than low",
                    "maxMessageSizeInBytes|NotOptimal|10000|not a multiple of 4096",
                    "TwinConfiguration|TypeMismatch|unchanged|quote \" backslash \\ tab \t é 😀",
                },
                Items(e));
            Assert.Equal(0, errors.Count);
        }

        [Fact]
        public void NoErrorsWriteNothing()
        {
            CapturingSink sink = Collect(new ConfigurationErrorList(4), 4038);
            Assert.Empty(sink.Messages);
        }

        [Fact]
        public void ErrorsPastTheCapacityAreCountedInTheFirstItemsExtraDetails()
        {
            var errors = new ConfigurationErrorList(2);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(i < 2, errors.Add(new ConfigurationError("snapshotFrequency", ConfigurationErrorType.TypeMismatch, "PT13H", "error " + i)));
            }

            Assert.Equal(3, errors.Dropped);
            CapturingSink sink = Collect(errors, 4038);

            JsonElement[] items = Assert.Single(sink.Events).GetProperty("Payload").EnumerateArray().ToArray();
            Assert.Equal(2, items.Length);
            Assert.Equal("3", items[0].GetProperty("ExtraDetails").GetProperty("DroppedConfigurationErrors").GetString());
            Assert.False(items[1].TryGetProperty("ExtraDetails", out _));
            Assert.Equal(0, errors.Dropped);
        }

        [Fact]
        public void ManyErrorsSpreadOverMessagesThatStayWithinTheLimit()
        {
            var errors = new ConfigurationErrorList(16);
            for (int i = 0; i < 16; i++)
            {
                errors.Add(new ConfigurationError("eventPriorityDiagnostic", ConfigurationErrorType.TypeMismatch, "Low", "message number " + i + " " + new string('m', 100)));
            }

            CapturingSink sink = Collect(errors, 1024);

            Assert.True(sink.Messages.Count > 1);
            Assert.All(sink.Messages, m => Assert.True(m.Length <= 1024));
            Assert.Equal(
                Enumerable.Range(0, 16).Select(i => "message number " + i + " " + new string('m', 100)),
                sink.Events.SelectMany(e => e.GetProperty("Payload").EnumerateArray()).Select(p => p.GetProperty("Message").GetString()));
        }

        [Fact]
        public void WhatTheParserRecordsIsWrittenAsValidEvents()
        {
            var parser = new TwinConfigurationParser(AgentConfiguration.Defaults());
            var current = AgentConfiguration.Defaults();
            var errors = new ConfigurationErrorList(ConfigurationErrorList.DefaultCapacity);
            var collector = new ConfigurationErrorCollector(errors);
            var sink = new CapturingSink();
            SecurityMessageWriter writer = NewWriter(sink, 4038);

            foreach ((string document, bool isFullTwin) in new[]
            {
                (TwinDocuments.DefaultAsFullTwin(1), true),
                (TwinDocuments.Patch("\"highPriorityMessageFrequency\":{\"value\":\"PT9H\"},\"eventPriorityLogin\":{\"value\":\"x\"}", version: 2), false),
                (TwinDocuments.Patch("\"snapshotFrequency\":{\"value\":[]},\"maxMessageSizeInBytes\":{\"value\":7},\"eventPriorityDiagnostic\":{\"value\":\"\\u0000\\ud83d\\ude00\"}", version: 3), false),
                ("{\"" + TwinDocuments.ObjectName + "\":{\"snapshotFrequency\":{\"value\":\"PT1H\"}},\"$version\":4,}", false),
            })
            {
                byte[] bytes = System.Text.Encoding.UTF8.GetBytes(document);
                parser.Apply(bytes, 0, bytes.Length, isFullTwin, -1, current, errors);
                collector.Collect(writer);
                writer.Flush();
            }

            string[] items = sink.Events.SelectMany(Items).ToArray();
            Assert.Equal(7, items.Length);
            Assert.StartsWith("maxLocalCacheSizeInBytes|Conflict|" + AscPortConfig.LocalCacheSize + "|", items[0]);
            Assert.StartsWith("maxMessageSizeInBytes|Conflict|" + AscPortConfig.MaxMessageSize + "|", items[1]);
            Assert.StartsWith("highPriorityMessageFrequency|Conflict|PT7M|", items[2]);
            Assert.StartsWith("snapshotFrequency|TypeMismatch|PT13H|", items[3]);
            Assert.StartsWith("maxMessageSizeInBytes|TypeMismatch|" + AscPortConfig.MaxMessageSize + "|", items[4]);
            Assert.StartsWith("eventPriorityDiagnostic|TypeMismatch|Low|eventPriorityDiagnostic: \"\u0000\U0001F600\" is not", items[5]);
            Assert.StartsWith("TwinConfiguration|TypeMismatch|unchanged|the twin document cannot be read: trailing comma", items[6]);
        }

        [Fact]
        public async Task ErrorsAddedWhileCollectingAreNeitherLostNorWrittenTwice()
        {
            var errors = new ConfigurationErrorList(ConfigurationErrorList.DefaultCapacity);
            var collector = new ConfigurationErrorCollector(errors);
            var sink = new CapturingSink();
            SecurityMessageWriter writer = NewWriter(sink, 4038);
            const int Total = 20_000;

            var accepted = new List<int>();
            int collections = 0;
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var adder = Task.Run(() =>
            {
                for (int i = 0; i < Total; i++)
                {
                    if (errors.Add(new ConfigurationError("n", ConfigurationErrorType.TypeMismatch, "u", i.ToString())))
                    {
                        accepted.Add(i);
                    }

                    if (i % 8 == 0)
                    {
                        // Let a collection run between bursts, however the threads are scheduled,
                        // so that adds and collections really interleave.
                        int seen = Volatile.Read(ref collections);
                        while (Volatile.Read(ref collections) == seen && !stop.IsCancellationRequested)
                        {
                            Thread.Yield();
                        }
                    }
                }
            });

            while (!adder.IsCompleted)
            {
                collector.Collect(writer);
                Interlocked.Increment(ref collections);
            }

            await adder;
            collector.Collect(writer);
            writer.Flush();

            JsonElement[] items = sink.Events.SelectMany(e => e.GetProperty("Payload").EnumerateArray()).ToArray();
            int[] written = items.Select(p => int.Parse(p.GetProperty("Message").GetString())).ToArray();
            int dropped = items.Sum(p => p.TryGetProperty("ExtraDetails", out JsonElement extra)
                ? int.Parse(extra.GetProperty("DroppedConfigurationErrors").GetString())
                : 0);
            Assert.Equal(accepted, written);
            Assert.Equal(Total - accepted.Count, dropped);
            Assert.True(accepted.Count > ConfigurationErrorList.DefaultCapacity, accepted.Count + " accepted");
        }

        [Fact]
        public void TheListRefusesMisuse()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new ConfigurationErrorList(0));
            var list = new ConfigurationErrorList(2);
            Assert.Throws<ArgumentNullException>(() => list.Add(null));
            Assert.Throws<ArgumentOutOfRangeException>(() => list[0]);
            Assert.Throws<ArgumentException>(() => list.MoveTo(list));
            Assert.Throws<ArgumentException>(() => list.MoveTo(null));
            list.Add(new ConfigurationError("a", ConfigurationErrorType.Conflict, "b", "c"));
            Assert.Equal("a", list[0].ConfigurationName);
            Assert.Throws<ArgumentOutOfRangeException>(() => list[1]);
            list.Clear();
            Assert.Equal(0, list.Count);
        }

        [Fact]
        public void TheCollectorRunsWithTheHighPriorityGroup()
        {
            var collector = new ConfigurationErrorCollector(new ConfigurationErrorList(1));
            Assert.Equal("ConfigurationError", collector.Name);
            Assert.Equal(CollectorPriority.High, collector.Priority);
        }

        private static IEnumerable<string> Items(JsonElement e) =>
            e.GetProperty("Payload").EnumerateArray().Select(p =>
                p.GetProperty("ConfigurationName").GetString() + "|" + p.GetProperty("ErrorType").GetString() + "|"
                + p.GetProperty("UsedConfiguration").GetString() + "|" + p.GetProperty("Message").GetString());

        private static CapturingSink Collect(ConfigurationErrorList errors, int maxMessageSize)
        {
            var sink = new CapturingSink();
            SecurityMessageWriter writer = NewWriter(sink, maxMessageSize);
            new ConfigurationErrorCollector(errors).Collect(writer);
            writer.Flush();
            foreach (byte[] message in sink.Messages)
            {
                SecurityMessageSchema.AssertValid(message, message.Length);
            }

            return sink;
        }

        private static SecurityMessageWriter NewWriter(CapturingSink sink, int maxMessageSize)
        {
            var writer = new SecurityMessageWriter(
                maxMessageSize,
                AgentId.FromDeviceId("twin-test"),
                SecurityModule.AgentVersion,
                new SeededRandomSource(7),
                sink,
                new EventStatistics(),
                new MessageStatistics());
            writer.SetTime(Now, 60);
            return writer;
        }
    }
}
