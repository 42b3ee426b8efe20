using System.Text;
using Xunit;
using static NanoSecurity.Tests.Twin.TwinDocuments;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// The module twin's configuration, one rule at a time: Microsoft's default twin, every
    /// validation rule with its ConfigurationError, versions, resets, and documents that cannot
    /// be read.
    /// </summary>
    public class TwinConfigurationParserTests
    {
        private const string High = "highPriorityMessageFrequency";
        private const string Low = "lowPriorityMessageFrequency";
        private const string Snapshot = "snapshotFrequency";
        private const string Cache = "maxLocalCacheSizeInBytes";
        private const string Message = "maxMessageSizeInBytes";

        // ---- Microsoft's default twin -------------------------------------------------------

        [Fact]
        public void MicrosoftsDefaultTwinAsAFullTwinGivesTheDocumentedDefaultsWithTheSizesClamped()
        {
            TwinOutcome outcome = Apply(DefaultAsFullTwin(5), isFullTwin: true, current: Unusual());

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Equal(5, outcome.Version);
            Assert.True(outcome.ObjectPresent);
            Assert.True(outcome.Changed);
            AssertMicrosoftDefaults(outcome);
        }

        [Fact]
        public void MicrosoftsDefaultTwinAsAPatchGivesTheDocumentedDefaultsWithTheSizesClamped()
        {
            // Every property is in the patch, so nothing of the configuration before survives.
            TwinOutcome outcome = Apply(DefaultAsPatch(6), isFullTwin: false, lastVersion: 5, current: Unusual());

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Equal(6, outcome.Version);
            Assert.True(outcome.Changed);
            AssertMicrosoftDefaults(outcome);

            // From the defaults, the same patch changes nothing but raises the same Conflicts.
            TwinOutcome again = Apply(DefaultAsPatch(7), isFullTwin: false, lastVersion: 6);
            Assert.Equal(TwinUpdateStatus.Applied, again.Status);
            Assert.False(again.Changed);
            AssertMicrosoftDefaults(again);
        }

        [Fact]
        public void MicrosoftsDefaultTwinOnABuildWithRoomForItsSizesIsTakenAsItIs()
        {
            AgentConfiguration defaults = LargeBuildDefaults();
            defaults.MaxLocalCacheSizeInBytes = 4 * 1024 * 1024;
            defaults.MaxMessageSizeInBytes = 262144;
            TwinOutcome outcome = Apply(DefaultAsFullTwin(1), isFullTwin: true, defaults: defaults);

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Empty(outcome.Errors);
            Assert.Equal(2560000, outcome.Configuration.MaxLocalCacheSizeInBytes);
            Assert.Equal(204800, outcome.Configuration.MaxMessageSizeInBytes);
        }

        [Fact]
        public void WithoutTheConfigurationObjectAFullTwinMeansTheDefaultsAndAPatchChangesNothing()
        {
            TwinOutcome full = Apply("{\"desired\":{\"other\":1,\"$version\":3},\"reported\":{}}", isFullTwin: true, current: Unusual());
            Assert.Equal(TwinUpdateStatus.Applied, full.Status);
            Assert.False(full.ObjectPresent);
            Assert.True(full.Changed);
            Assert.Equal(3, full.Version);
            Assert.True(full.Configuration.SameAs(AgentConfiguration.Defaults()));
            Assert.Empty(full.Errors);

            TwinOutcome patch = Apply("{\"other\":{\"x\":[1,2]},\"$version\":4}", isFullTwin: false, lastVersion: 3, current: Unusual());
            Assert.Equal(TwinUpdateStatus.Applied, patch.Status);
            Assert.False(patch.ObjectPresent);
            Assert.False(patch.Changed);
            Assert.Equal(4, patch.Version);
            Assert.True(patch.Configuration.SameAs(Unusual()));
        }

        [Fact]
        public void AFullTwinSetsWhatItNamesAndDefaultsTheRest()
        {
            TwinOutcome outcome = Apply(
                Full("\"" + High + "\":{\"value\":\"PT1M\"},\"eventPriorityConnectionCreate\":{\"value\":\"High\"}"),
                isFullTwin: true,
                current: Unusual());

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            AgentConfiguration expected = AgentConfiguration.Defaults();
            expected.HighPriorityMessageFrequency = 60;
            expected.EventPriorityConnectionCreate = EventPriority.High;
            Assert.True(expected.SameAs(outcome.Configuration), Describe(outcome.Configuration));
        }

        [Fact]
        public void APatchChangesWhatItNamesAndKeepsTheRest()
        {
            TwinOutcome outcome = Apply(
                Patch("\"" + Snapshot + "\":{\"value\":\"P1D\"},\"aggregationEnabledConnectionCreate\":{\"value\":true},\"eventPriorityDiagnostic\":{\"value\":\"Low\"}"),
                isFullTwin: false,
                current: Unusual());

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.True(outcome.Changed);
            AgentConfiguration expected = Unusual();
            expected.SnapshotFrequency = 86400;
            expected.AggregationEnabledConnectionCreate = true;
            expected.EventPriorityDiagnostic = EventPriority.Low;
            Assert.True(expected.SameAs(outcome.Configuration), Describe(outcome.Configuration));
            Assert.Empty(outcome.Errors);
        }

        // ---- TypeMismatch ---------------------------------------------------------------

        [Theory]
        [InlineData(Snapshot, "5", "PT13H")]
        [InlineData(Snapshot, "true", "PT13H")]
        [InlineData(Snapshot, "{\"d\":1}", "PT13H")]
        [InlineData(Snapshot, "\"13 hours\"", "PT13H")]
        [InlineData(Snapshot, "\"PT\"", "PT13H")]
        [InlineData(Snapshot, "\"pt13h\"", "PT13H")]
        [InlineData(Cache, "\"16384\"", "16384")]
        [InlineData(Cache, "16384.0", "16384")]
        [InlineData(Cache, "1.6e4", "16384")]
        [InlineData(Cache, "[16384]", "16384")]
        [InlineData(Message, "false", "4038")]
        [InlineData("eventPriorityListeningPorts", "1", "High")]
        [InlineData("eventPriorityListeningPorts", "\"Medium\"", "High")]
        [InlineData("eventPriorityListeningPorts", "\"\"", "High")]
        [InlineData("aggregationEnabledConnectionCreate", "\"true\"", "true")]
        [InlineData("aggregationEnabledConnectionCreate", "1", "true")]
        [InlineData("aggregationIntervalConnectionCreate", "3600", "PT1H")]
        public void AValueOfTheWrongTypeIsATypeMismatchAndChangesNothing(string property, string value, string used)
        {
            TwinOutcome outcome = Apply(
                Patch("\"" + High + "\":{\"value\":\"PT1M\"},\"" + property + "\":{\"value\":" + value + "}"),
                isFullTwin: false);

            AssertRejectedWith(outcome, AgentConfiguration.Defaults(), property, ConfigurationErrorType.TypeMismatch, used);
            Assert.StartsWith(property + ": ", outcome.Error.Message);
        }

        [Theory]
        [InlineData("\"PT5M\"")]
        [InlineData("5")]
        [InlineData("[]")]
        [InlineData("true")]
        public void APropertyNotWrappedInValueIsATypeMismatch(string unwrapped)
        {
            TwinOutcome outcome = Apply(Patch("\"" + High + "\":" + unwrapped), isFullTwin: false);

            AssertRejectedWith(outcome, AgentConfiguration.Defaults(), High, ConfigurationErrorType.TypeMismatch, "PT7M");
            Assert.Contains("expected {\"value\": ...}", outcome.Error.Message);
        }

        [Theory]
        [InlineData(Message, "8191", "4038")]
        [InlineData(Message, "262145", "4038")]
        [InlineData(Message, "0", "4038")]
        [InlineData(Message, "-8192", "4038")]
        [InlineData(Message, "99999999999999999999", "4038")]
        [InlineData(Cache, "8191", "16384")]
        [InlineData(Cache, "-1", "16384")]
        [InlineData(High, "\"PT0S\"", "PT7M")]
        [InlineData(High, "\"PT0.999S\"", "PT7M")]
        [InlineData(Low, "\"P30DT1S\"", "PT5H")]
        [InlineData(Low, "\"P1Y\"", "PT5H")]
        [InlineData(Low, "\"P99999999999999999999999Y\"", "PT5H")]
        [InlineData("aggregationIntervalConnectionCreate", "\"P31D\"", "PT1H")]
        public void AValueOutOfRangeIsATypeMismatchAndChangesNothing(string property, string value, string used)
        {
            TwinOutcome outcome = Apply(Patch("\"" + property + "\":{\"value\":" + value + "}"), isFullTwin: false);

            AssertRejectedWith(outcome, AgentConfiguration.Defaults(), property, ConfigurationErrorType.TypeMismatch, used);
        }

        [Fact]
        public void TheLimitsThemselvesAreAccepted()
        {
            AgentConfiguration defaults = LargeBuildDefaults();
            defaults.MaxMessageSizeInBytes = 262144;
            defaults.MaxLocalCacheSizeInBytes = 262144;
            TwinOutcome least = Apply(
                Patch("\"" + High + "\":{\"value\":\"PT1S\"},\"" + Cache + "\":{\"value\":8192},\"" + Message + "\":{\"value\":8192}"),
                isFullTwin: false,
                defaults: defaults);
            Assert.Equal(TwinUpdateStatus.Applied, least.Status);
            Assert.Empty(least.Errors);
            Assert.Equal(1, least.Configuration.HighPriorityMessageFrequency);
            Assert.Equal(8192, least.Configuration.MaxMessageSizeInBytes);

            TwinOutcome most = Apply(
                Patch("\"" + Low + "\":{\"value\":\"P30D\"},\"" + Message + "\":{\"value\":262144}"),
                isFullTwin: false,
                defaults: defaults);
            Assert.Equal(TwinUpdateStatus.Applied, most.Status);
            Assert.Empty(most.Errors);
            Assert.Equal(2592000, most.Configuration.LowPriorityMessageFrequency);
            Assert.Equal(262144, most.Configuration.MaxMessageSizeInBytes);
        }

        [Fact]
        public void EveryBadPropertyIsReportedOnceAndTheWholeDocumentIsRejected()
        {
            var members = new StringBuilder("\"" + Snapshot + "\":{\"value\":\"PT1H\"}");
            for (int i = 0; i < 50; i++)
            {
                members.Append(",\"" + High + "\":{\"value\":" + i + "}");
            }

            members.Append(",\"" + Message + "\":{\"value\":1},\"eventPriorityDiagnostic\":{\"value\":\"never\"}");
            members.Append(",\"" + Cache + "\":{\"value\":99999999}");
            TwinOutcome outcome = Apply(Patch(members.ToString()), isFullTwin: false, current: Unusual());

            Assert.Equal(TwinUpdateStatus.Rejected, outcome.Status);
            Assert.True(outcome.Configuration.SameAs(Unusual()));
            Assert.False(outcome.Changed);

            // Only the errors that rejected it: the cache, which would have been clamped, is not mentioned.
            Assert.Equal(
                new[] { High + " TypeMismatch PT1M", Message + " TypeMismatch 3000", "eventPriorityDiagnostic TypeMismatch Off" },
                outcome.Errors.Select(e => e.ConfigurationName + " " + e.ErrorType + " " + e.UsedConfiguration));
        }

        [Fact]
        public void ARepeatedPropertyTakesItsLastValueButAnyBadOneRejects()
        {
            TwinOutcome last = Apply(Patch("\"" + High + "\":{\"value\":\"PT1M\"},\"" + High + "\":{\"value\":\"PT2M\",\"value\":\"PT3M\"}"), isFullTwin: false);
            Assert.Equal(TwinUpdateStatus.Applied, last.Status);
            Assert.Equal(180, last.Configuration.HighPriorityMessageFrequency);

            TwinOutcome bad = Apply(Patch("\"" + High + "\":{\"value\":\"nope\"},\"" + High + "\":{\"value\":\"PT3M\"}"), isFullTwin: false);
            AssertRejectedWith(bad, AgentConfiguration.Defaults(), High, ConfigurationErrorType.TypeMismatch, "PT7M");
        }

        // ---- Conflict ---------------------------------------------------------------------

        [Fact]
        public void AHighPriorityFrequencyLongerThanTheLowOneIsAConflictAndChangesNothing()
        {
            TwinOutcome outcome = Apply(
                Patch("\"" + High + "\":{\"value\":\"PT6H\"},\"" + Low + "\":{\"value\":\"PT5H\"}"),
                isFullTwin: false);

            AssertRejectedWith(outcome, AgentConfiguration.Defaults(), High, ConfigurationErrorType.Conflict, "PT7M");
            Assert.Equal("highPriorityMessageFrequency PT6H is longer than lowPriorityMessageFrequency PT5H", outcome.Error.Message);

            // Against the low frequency in force (PT5H) when the document does not name it.
            TwinOutcome alone = Apply(Patch("\"" + High + "\":{\"value\":\"PT5H1S\"}"), isFullTwin: false);
            AssertRejectedWith(alone, AgentConfiguration.Defaults(), High, ConfigurationErrorType.Conflict, "PT7M");

            // Equal is fine.
            Assert.Equal(TwinUpdateStatus.Applied, Apply(Patch("\"" + High + "\":{\"value\":\"PT5H\"}"), isFullTwin: false).Status);
        }

        [Fact]
        public void ACacheSmallerThanAMessageIsAConflictAndChangesNothing()
        {
            // A build whose messages may be larger than the twin's smallest cache.
            AgentConfiguration defaults = LargeBuildDefaults();
            TwinOutcome outcome = Apply(
                Patch("\"" + Cache + "\":{\"value\":8192},\"" + Message + "\":{\"value\":16384}"),
                isFullTwin: false,
                defaults: defaults);

            AssertRejectedWith(outcome, defaults, Cache, ConfigurationErrorType.Conflict, "1048576");
            Assert.Equal("maxLocalCacheSizeInBytes 8192 is smaller than maxMessageSizeInBytes 16384", outcome.Error.Message);

            // Against the message size in force (64 KiB) when the document does not name it.
            TwinOutcome alone = Apply(Patch("\"" + Cache + "\":{\"value\":32768}"), isFullTwin: false, defaults: defaults);
            AssertRejectedWith(alone, defaults, Cache, ConfigurationErrorType.Conflict, "1048576");
        }

        [Fact]
        public void TheCacheConflictIsCheckedOnTheSizesThatWouldBeUsed()
        {
            // The default build's messages (4038 bytes) fit any cache the twin may ask for: asking
            // for an 8 KiB cache and 16 KiB messages clamps the messages, and the cache holds them.
            TwinOutcome outcome = Apply(
                Patch("\"" + Cache + "\":{\"value\":8192},\"" + Message + "\":{\"value\":16384}"),
                isFullTwin: false);

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Equal(8192, outcome.Configuration.MaxLocalCacheSizeInBytes);
            Assert.Equal(AscPortConfig.MaxMessageSize, outcome.Configuration.MaxMessageSizeInBytes);
            Assert.Equal(Message, outcome.Error.ConfigurationName);
            Assert.Equal(ConfigurationErrorType.Conflict, outcome.Error.ErrorType);
        }

        [Fact]
        public void ASizeAboveTheCompiledOneIsClampedAppliedAndAConflict()
        {
            TwinOutcome outcome = Apply(
                Patch("\"" + Cache + "\":{\"value\":100000},\"" + Snapshot + "\":{\"value\":\"PT1H\"}"),
                isFullTwin: false);

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Equal(AscPortConfig.LocalCacheSize, outcome.Configuration.MaxLocalCacheSizeInBytes);
            Assert.Equal(3600, outcome.Configuration.SnapshotFrequency);
            ConfigurationError error = outcome.Error;
            Assert.Equal(Cache, error.ConfigurationName);
            Assert.Equal(ConfigurationErrorType.Conflict, error.ErrorType);
            Assert.Equal(AscPortConfig.LocalCacheSize.ToString(), error.UsedConfiguration);
            Assert.Equal(
                "maxLocalCacheSizeInBytes 100000 is more than the " + AscPortConfig.LocalCacheSize + " bytes compiled in (ASC_LOCAL_CACHE_SIZE); "
                    + AscPortConfig.LocalCacheSize + " is used",
                error.Message);
        }

        [Fact]
        public void ASmallerSizeThanTheCompiledOneIsUsedAsItIs()
        {
            TwinOutcome outcome = Apply(Patch("\"" + Cache + "\":{\"value\":12288}"), isFullTwin: false);

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Empty(outcome.Errors);
            Assert.Equal(12288, outcome.Configuration.MaxLocalCacheSizeInBytes);
        }

        // ---- NotOptimal -------------------------------------------------------------------

        [Fact]
        public void AMessageSizeThatIsNotAMultipleOf4096IsNotOptimalAndApplied()
        {
            AgentConfiguration defaults = LargeBuildDefaults();
            TwinOutcome outcome = Apply(Patch("\"" + Message + "\":{\"value\":10000}"), isFullTwin: false, defaults: defaults);

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.True(outcome.Changed);
            Assert.Equal(10000, outcome.Configuration.MaxMessageSizeInBytes);
            ConfigurationError error = outcome.Error;
            Assert.Equal(Message, error.ConfigurationName);
            Assert.Equal(ConfigurationErrorType.NotOptimal, error.ErrorType);
            Assert.Equal("10000", error.UsedConfiguration);

            Assert.Empty(Apply(Patch("\"" + Message + "\":{\"value\":12288}"), isFullTwin: false, defaults: defaults).Errors);
        }

        [Fact]
        public void AClampedMessageSizeIsAConflictRatherThanNotOptimal()
        {
            TwinOutcome outcome = Apply(Patch("\"" + Message + "\":{\"value\":10000}"), isFullTwin: false);

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Equal(ConfigurationErrorType.Conflict, outcome.Error.ErrorType);
            Assert.Equal(AscPortConfig.MaxMessageSize.ToString(), outcome.Error.UsedConfiguration);
        }

        [Fact]
        public void AWarningIsOnlyRaisedForAValueTheDocumentSets()
        {
            // The compiled 4038 is not a multiple of 4096 either, but nobody asked for it.
            TwinOutcome outcome = Apply(Patch("\"" + Message + "\":null,\"" + High + "\":{\"value\":\"PT2M\"}"), isFullTwin: false, current: Unusual());

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Empty(outcome.Errors);
            Assert.Equal(AscPortConfig.MaxMessageSize, outcome.Configuration.MaxMessageSizeInBytes);
        }

        // ---- Unknown properties ------------------------------------------------------------

        [Fact]
        public void UnknownPropertiesAreAcceptedAndIgnored()
        {
            TwinOutcome outcome = Apply(
                Patch(
                    "\"eventPriorityProcessCreate\":{\"value\":\"Bogus\"},\"aggregationEnabledProcessCreate\":{\"value\":17},"
                    + "\"hubResourceId\":{\"value\":\"/subscriptions/x\"},\"baselineCustomChecksEnabled\":{\"value\":null},"
                    + "\"HighPriorityMessageFrequency\":{\"value\":\"garbage\"},\"someday\":[1,{\"a\":[true,null]}],\"n\":-1.5e-7"),
                isFullTwin: false,
                current: Unusual());

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.True(outcome.ObjectPresent);
            Assert.False(outcome.Changed);
            Assert.Empty(outcome.Errors);
            Assert.True(outcome.Configuration.SameAs(Unusual()));
        }

        [Fact]
        public void UnknownMembersOfAPropertyObjectAreIgnored()
        {
            TwinOutcome outcome = Apply(Patch("\"" + High + "\":{\"ac\":200,\"value\":\"PT2M\",\"av\":{\"x\":[]}}"), isFullTwin: false);

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Empty(outcome.Errors);
            Assert.Equal(120, outcome.Configuration.HighPriorityMessageFrequency);
        }

        // ---- Versions ---------------------------------------------------------------------

        [Fact]
        public void APatchNotNewerThanTheLastVersionIsIgnoredWhateverItHolds()
        {
            string invalid = Patch("\"" + High + "\":{\"value\":17}", version: 5);
            string valid = Patch("\"" + High + "\":{\"value\":\"PT1M\"}", version: 5);

            foreach (string document in new[] { invalid, valid })
            {
                foreach (long last in new long[] { 5, 6, 100 })
                {
                    TwinOutcome outcome = Apply(document, isFullTwin: false, lastVersion: last, current: Unusual());
                    Assert.Equal(TwinUpdateStatus.Stale, outcome.Status);
                    Assert.Equal(5, outcome.Version);
                    Assert.Empty(outcome.Errors);
                    Assert.False(outcome.Changed);
                    Assert.True(outcome.Configuration.SameAs(Unusual()));
                }
            }

            Assert.Equal(TwinUpdateStatus.Applied, Apply(valid, isFullTwin: false, lastVersion: 4).Status);
            Assert.Equal(TwinUpdateStatus.Applied, Apply(valid, isFullTwin: false, lastVersion: -1).Status);
            Assert.Equal(TwinUpdateStatus.Rejected, Apply(invalid, isFullTwin: false, lastVersion: 4).Status);
        }

        [Fact]
        public void AFullTwinIsOnlyStaleWhenOlderThanTheLastVersion()
        {
            string document = Full("\"" + High + "\":{\"value\":\"PT1M\"}", version: 5);

            Assert.Equal(TwinUpdateStatus.Stale, Apply(document, isFullTwin: true, lastVersion: 6).Status);
            Assert.Equal(TwinUpdateStatus.Applied, Apply(document, isFullTwin: true, lastVersion: 5).Status);
            Assert.Equal(TwinUpdateStatus.Applied, Apply(document, isFullTwin: true, lastVersion: 4).Status);
        }

        [Fact]
        public void ADocumentWithoutVersionIsNeverStale()
        {
            TwinOutcome outcome = Apply("{\"" + ObjectName + "\":{\"" + High + "\":{\"value\":\"PT1M\"}}}", isFullTwin: false, lastVersion: 99);

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Equal(-1, outcome.Version);
        }

        [Fact]
        public void TheFullTwinsVersionIsTheDesiredOne()
        {
            TwinOutcome outcome = Apply(
                "{\"$version\":1,\"reported\":{\"$version\":40},\"desired\":{\"$version\":12}}",
                isFullTwin: true);

            Assert.Equal(12, outcome.Version);
        }

        // ---- Resets ------------------------------------------------------------------------

        [Theory]
        [InlineData("null")]
        [InlineData("{\"value\":null}")]
        [InlineData("{\"value\":null,\"other\":1}")]
        public void NullResetsAPropertyToItsDefault(string reset)
        {
            TwinOutcome outcome = Apply(
                Patch("\"" + High + "\":" + reset + ",\"eventPriorityListeningPorts\":" + reset + ",\"aggregationEnabledConnectionCreate\":" + reset),
                isFullTwin: false,
                current: Unusual());

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.Empty(outcome.Errors);
            AgentConfiguration expected = Unusual();
            expected.HighPriorityMessageFrequency = AscPortConfig.HighPriorityMessageFrequency;
            expected.EventPriorityListeningPorts = EventPriority.High;
            expected.AggregationEnabledConnectionCreate = true;
            Assert.True(expected.SameAs(outcome.Configuration), Describe(outcome.Configuration));
        }

        [Fact]
        public void ANullConfigurationObjectResetsEverything()
        {
            TwinOutcome outcome = Apply("{\"" + ObjectName + "\":null,\"$version\":3}", isFullTwin: false, current: Unusual());

            Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
            Assert.True(outcome.ObjectPresent);
            Assert.True(outcome.Changed);
            Assert.True(outcome.Configuration.SameAs(AgentConfiguration.Defaults()));
        }

        [Fact]
        public void AnEmptyPropertyObjectChangesNothingInAPatchAndMeansTheDefaultInAFullTwin()
        {
            // A merge patch of {} leaves the member as it was; a twin holding {} sets no value.
            TwinOutcome patch = Apply(Patch("\"" + High + "\":{}"), isFullTwin: false, current: Unusual());
            Assert.False(patch.Changed);
            Assert.Equal(60, patch.Configuration.HighPriorityMessageFrequency);

            TwinOutcome full = Apply(Full("\"" + High + "\":{}"), isFullTwin: true, current: Unusual());
            Assert.Equal(AscPortConfig.HighPriorityMessageFrequency, full.Configuration.HighPriorityMessageFrequency);
        }

        [Fact]
        public void AResetCanStillConflict()
        {
            // Low reset to its default (PT5H) while the high frequency in force is PT6H.
            var current = AgentConfiguration.Defaults();
            current.HighPriorityMessageFrequency = 6 * 3600;
            current.LowPriorityMessageFrequency = 7 * 3600;
            TwinOutcome outcome = Apply(Patch("\"" + Low + "\":null"), isFullTwin: false, current: current);

            Assert.Equal(TwinUpdateStatus.Rejected, outcome.Status);
            Assert.Equal(ConfigurationErrorType.Conflict, outcome.Error.ErrorType);
            Assert.Equal("PT6H", outcome.Error.UsedConfiguration);
            Assert.Equal(7 * 3600, outcome.Configuration.LowPriorityMessageFrequency);
        }

        // ---- Priorities -------------------------------------------------------------------

        [Theory]
        [InlineData("High", 0)]
        [InlineData("high", 0)]
        [InlineData("hIgH", 0)]
        [InlineData("HIGH", 0)]
        [InlineData("Low", 1)]
        [InlineData("LOW", 1)]
        [InlineData("lOw", 1)]
        [InlineData("Off", 2)]
        [InlineData("off", 2)]
        [InlineData("OFF", 2)]
        [InlineData("\\u0048igh", 0)]
        public void PrioritiesAreReadWithoutRegardToCase(string text, int expected)
        {
            for (int property = ConfigurationProperty.EventPriorityConnectionCreate; property <= ConfigurationProperty.EventPriorityDiagnostic; property++)
            {
                TwinOutcome outcome = Apply(
                    Patch("\"" + ConfigurationProperty.NameOf(property) + "\":{\"value\":\"" + text + "\"}"),
                    isFullTwin: false,
                    current: Unusual());

                Assert.Equal(TwinUpdateStatus.Applied, outcome.Status);
                Assert.Empty(outcome.Errors);
                Assert.Equal(expected, outcome.Configuration.Get(property));
                Assert.Equal(new[] { EventPriority.High, EventPriority.Low, EventPriority.Off }[expected], (EventPriority)outcome.Configuration.Get(property));
            }
        }

        [Theory]
        [InlineData("H\u0131gh")]
        [InlineData("H\u0456gh")]
        [InlineData(" High")]
        [InlineData("High ")]
        [InlineData("Hi")]
        [InlineData("Highest")]
        [InlineData("Medium")]
        [InlineData("None")]
        public void APriorityThatIsNotHighLowOrOffIsATypeMismatch(string text)
        {
            TwinOutcome outcome = Apply(Patch("\"eventPriorityConnectionCreate\":{\"value\":\"" + text + "\"}"), isFullTwin: false);

            AssertRejectedWith(outcome, AgentConfiguration.Defaults(), "eventPriorityConnectionCreate", ConfigurationErrorType.TypeMismatch, "Low");
            Assert.Contains("is not High, Low or Off", outcome.Error.Message);
        }

        [Fact]
        public void ALongBadValueIsQuotedShortInTheMessage()
        {
            // Within what the parser reads (a longer one is only counted: see ALongDurationOrPriority...).
            string longValue = new string('x', 31) + "\U0001F600" + new string('y', TwinConfigurationParser.MaxStringChars - 33);
            TwinOutcome outcome = Apply(Patch("\"eventPriorityLogin\":1,\"eventPriorityDiagnostic\":{\"value\":\"" + longValue + "\"}"), isFullTwin: false);

            Assert.Equal(TwinUpdateStatus.Rejected, outcome.Status);
            Assert.Equal("eventPriorityDiagnostic: \"" + new string('x', 31) + "...\" is not High, Low or Off", outcome.Error.Message);
        }

        // ---- Documents that cannot be read ------------------------------------------------

        [Theory]
        [InlineData("")]
        [InlineData("{")]
        [InlineData("{\"" + ObjectName + "\":{\"highPriorityMessageFrequency\":{\"value\":\"PT1M\"}}")]
        [InlineData("{\"" + ObjectName + "\":{},\"$version\":1}}")]
        [InlineData("{\"" + ObjectName + "\":{},}")]
        [InlineData("{'a':1}")]
        [InlineData("{\"a\":\"\\ud800\"}")]
        [InlineData("[]")]
        [InlineData("\"text\"")]
        [InlineData("null")]
        [InlineData("42")]
        [InlineData("{\"" + ObjectName + "\":\"PT7M\"}")]
        [InlineData("{\"" + ObjectName + "\":[]}")]
        [InlineData("{\"" + ObjectName + "\":{},\"$version\":\"3\"}")]
        [InlineData("{\"" + ObjectName + "\":{},\"$version\":-1}")]
        [InlineData("{\"" + ObjectName + "\":{},\"$version\":1.5}")]
        public void APatchThatCannotBeReadIsATwinConfigurationTypeMismatch(string document)
        {
            TwinOutcome outcome = Apply(document, isFullTwin: false, current: Unusual());

            AssertRejectedWith(outcome, Unusual(), "TwinConfiguration", ConfigurationErrorType.TypeMismatch, "unchanged");
        }

        [Theory]
        [InlineData("{}")]
        [InlineData("{\"reported\":{}}")]
        [InlineData("{\"desired\":null}")]
        [InlineData("{\"desired\":[]}")]
        [InlineData("{\"desired\":{\"" + ObjectName + "\":5}}")]
        [InlineData("{\"desired\":{},\"reported\":}")]
        public void AFullTwinThatCannotBeReadIsATwinConfigurationTypeMismatch(string document)
        {
            TwinOutcome outcome = Apply(document, isFullTwin: true, current: Unusual());

            AssertRejectedWith(outcome, Unusual(), "TwinConfiguration", ConfigurationErrorType.TypeMismatch, "unchanged");
        }

        [Fact]
        public void ADocumentOverTheSizeLimitIsRefusedCleanly()
        {
            string padding = new string(' ', TwinConfigurationParser.MaxDocumentBytes);
            TwinOutcome outcome = Apply(Patch("\"" + High + "\":{\"value\":\"PT1M\"}") + padding, isFullTwin: false);

            AssertRejectedWith(outcome, AgentConfiguration.Defaults(), "TwinConfiguration", ConfigurationErrorType.TypeMismatch, "unchanged");
            Assert.Contains("exceeds the 32768-byte limit", outcome.Error.Message);

            // Just under the limit is read.
            string under = Patch("\"" + High + "\":{\"value\":\"PT1M\"}");
            under += new string(' ', TwinConfigurationParser.MaxDocumentBytes - under.Length);
            Assert.Equal(TwinUpdateStatus.Applied, Apply(under, isFullTwin: false).Status);
        }

        [Fact]
        public void ALongStringWhereTheParserDoesNotLookIsReadAndSkipped()
        {
            // IoT Hub's 4 KB per string, far beyond what the parser keeps, wherever it skips:
            // another application's setting, an unknown property, a member beside "value", the
            // reported section, and names (one that starts like a known property is unknown).
            string big = new string('s', 4096);
            Assert.True(big.Length > 8 * TwinConfigurationParser.MaxStringChars);
            string members = "\"" + High + "\":{\"value\":\"PT2M\",\"note\":\"" + big + "\"},"
                + "\"" + Low + big + "\":{\"value\":\"" + big + "\"},"
                + "\"other\":{\"value\":\"" + big + "\"},"
                + "\"" + big + "\":[\"" + big + "\"]";
            string[] documents =
            {
                "{\"app\":{\"setting\":\"" + big + "\"}," + Patch(members).Substring(1),
                "{\"reported\":{\"x\":\"" + big + "\"}," + Full(members).Substring(1),
            };

            for (int i = 0; i < documents.Length; i++)
            {
                Assert.True(documents[i].Length < TwinConfigurationParser.MaxDocumentBytes);
                TwinOutcome outcome = Apply(documents[i], isFullTwin: i == 1, current: Unusual());
                Assert.True(outcome.Status == TwinUpdateStatus.Applied, outcome.ToString());
                Assert.Empty(outcome.Errors);
                Assert.Equal(120, outcome.Configuration.HighPriorityMessageFrequency);
                Assert.Equal(i == 1 ? 5 * 3600 : Unusual().LowPriorityMessageFrequency, outcome.Configuration.LowPriorityMessageFrequency);
                Assert.Equal(10, outcome.Version);
                Assert.True(outcome.ObjectPresent);
            }
        }

        [Fact]
        public void ALongDurationOrPriorityIsATypeMismatchOfItsProperty()
        {
            // A valid duration of exactly the length read is applied; one char more is not read.
            string longest = "PT" + new string('0', TwinConfigurationParser.MaxStringChars - 4) + "1M";
            Assert.Equal(TwinConfigurationParser.MaxStringChars, longest.Length);
            TwinOutcome fits = Apply(Patch("\"" + High + "\":{\"value\":\"" + longest + "\"}"), isFullTwin: false);
            Assert.True(fits.Status == TwinUpdateStatus.Applied, fits.ToString());
            Assert.Equal(60, fits.Configuration.HighPriorityMessageFrequency);

            string tooLong = "PT0" + longest.Substring(2);
            TwinOutcome duration = Apply(
                Patch("\"" + High + "\":{\"value\":\"" + tooLong + "\"},\"" + Snapshot + "\":{\"value\":\"P1D\"}"),
                isFullTwin: false,
                current: Unusual());
            AssertRejectedWith(duration, Unusual(), High, ConfigurationErrorType.TypeMismatch, "PT1M");
            Assert.Equal(
                High + ": a string of 257 chars is too long for an ISO 8601 duration (at most 256 are read)",
                duration.Error.Message);
            Assert.Equal(10, duration.Version);

            // Counted in UTF-16 chars after unescaping, as the reader counts.
            string escaped = "PT" + string.Concat(Enumerable.Repeat("\\u0030", 300)) + "1M";
            TwinOutcome escapedOutcome = Apply(Patch("\"" + Low + "\":{\"value\":\"" + escaped + "\"}"), isFullTwin: false);
            AssertRejectedWith(escapedOutcome, AgentConfiguration.Defaults(), Low, ConfigurationErrorType.TypeMismatch, "PT5H");
            Assert.Equal(Low + ": a string of 304 chars is too long for an ISO 8601 duration (at most 256 are read)", escapedOutcome.Error.Message);

            TwinOutcome priority = Apply(
                Full("\"eventPriorityConnectionCreate\":{\"value\":\"High" + new string(' ', 4000) + "\"}"),
                isFullTwin: true);
            AssertRejectedWith(priority, AgentConfiguration.Defaults(), "eventPriorityConnectionCreate", ConfigurationErrorType.TypeMismatch, "Low");
            Assert.Equal("eventPriorityConnectionCreate: a string of 4004 chars is not High, Low or Off", priority.Error.Message);
        }

        [Fact]
        public void AReadingErrorReplacesTheErrorsFoundBeforeIt()
        {
            // Broken after everything, $version included, was read.
            TwinOutcome outcome = Apply(Patch("\"" + High + "\":{\"value\":1},\"" + Low + "\":{\"value\":2}") + "}", isFullTwin: false);

            Assert.Equal("TwinConfiguration", outcome.Error.ConfigurationName);
            Assert.StartsWith("the twin document cannot be read: data after the root value", outcome.Error.Message);
            Assert.Equal(-1, outcome.Version);
            Assert.False(outcome.ObjectPresent);
        }

        [Fact]
        public void OneParserReadsDocumentAfterDocument()
        {
            var parser = new TwinConfigurationParser(AgentConfiguration.Defaults());
            var current = AgentConfiguration.Defaults();
            var errors = new ConfigurationErrorList(ConfigurationErrorList.DefaultCapacity);
            byte[] bad = Encoding.UTF8.GetBytes("{\"" + ObjectName + "\":{\"" + High + "\":{\"value\":1}},\"$version\":");
            byte[] good = Encoding.UTF8.GetBytes(Patch("\"" + High + "\":{\"value\":\"PT3M\"}", version: 2));

            Assert.Equal(TwinUpdateStatus.Rejected, parser.Apply(bad, 0, bad.Length, false, -1, current, errors));
            Assert.Equal(TwinUpdateStatus.Applied, parser.Apply(good, 0, good.Length, false, -1, current, errors));
            Assert.Equal(180, current.HighPriorityMessageFrequency);
            Assert.Equal(2, parser.Version);
            Assert.True(parser.Changed);
            Assert.Equal(1, errors.Count);
            Assert.Equal(TwinUpdateStatus.Stale, parser.Apply(good, 0, good.Length, false, 2, current, errors));
            Assert.False(parser.Changed);
        }

        [Fact]
        public void MisuseIsRefusedWithArgumentExceptions()
        {
            var parser = new TwinConfigurationParser(AgentConfiguration.Defaults());
            var errors = new ConfigurationErrorList(4);
            var current = AgentConfiguration.Defaults();
            Assert.Throws<ArgumentNullException>(() => new TwinConfigurationParser(null));
            Assert.Throws<ArgumentNullException>(() => parser.Apply(null, 0, 0, false, -1, current, errors));
            Assert.Throws<ArgumentNullException>(() => parser.Apply(new byte[2], 0, 2, false, -1, null, errors));
            Assert.Throws<ArgumentNullException>(() => parser.Apply(new byte[2], 0, 2, false, -1, current, null));
            Assert.Throws<ArgumentOutOfRangeException>(() => parser.Apply(new byte[2], 1, 2, false, -1, current, errors));
        }

        private static void AssertMicrosoftDefaults(TwinOutcome outcome)
        {
            AgentConfiguration c = outcome.Configuration;
            Assert.Equal(7 * 60, c.HighPriorityMessageFrequency);
            Assert.Equal(5 * 3600, c.LowPriorityMessageFrequency);
            Assert.Equal(13 * 3600, c.SnapshotFrequency);
            Assert.Equal(AscPortConfig.LocalCacheSize, c.MaxLocalCacheSizeInBytes);
            Assert.Equal(AscPortConfig.MaxMessageSize, c.MaxMessageSizeInBytes);
            Assert.Equal(EventPriority.Low, c.EventPriorityConnectionCreate);
            Assert.Equal(EventPriority.High, c.EventPriorityListeningPorts);
            Assert.Equal(EventPriority.Low, c.EventPrioritySystemInformation);
            Assert.Equal(EventPriority.Low, c.EventPriorityDroppedEventsStatistics);
            Assert.Equal(EventPriority.Low, c.EventPriorityMessageStatistics);
            Assert.Equal(EventPriority.Low, c.EventPriorityConfigurationError);
            Assert.Equal(EventPriority.Low, c.EventPriorityDiagnostic);
            Assert.True(c.AggregationEnabledConnectionCreate);
            Assert.Equal(3600, c.AggregationIntervalConnectionCreate);

            // The repository's asc_port.config keeps Microsoft's defaults, so they are also the build's.
            Assert.True(c.SameAs(AgentConfiguration.Defaults()), Describe(c));

            // 2,560,000 and 204,800 exceed what this build compiled in: clamped, and said so.
            Assert.Equal(2, outcome.Errors.Count);
            ConfigurationError cache = outcome.Errors[0];
            Assert.Equal(("maxLocalCacheSizeInBytes", ConfigurationErrorType.Conflict, AscPortConfig.LocalCacheSize.ToString()), (cache.ConfigurationName, cache.ErrorType, cache.UsedConfiguration));
            Assert.Equal("maxLocalCacheSizeInBytes 2560000 is more than the " + AscPortConfig.LocalCacheSize + " bytes compiled in (ASC_LOCAL_CACHE_SIZE); " + AscPortConfig.LocalCacheSize + " is used", cache.Message);
            ConfigurationError message = outcome.Errors[1];
            Assert.Equal(("maxMessageSizeInBytes", ConfigurationErrorType.Conflict, AscPortConfig.MaxMessageSize.ToString()), (message.ConfigurationName, message.ErrorType, message.UsedConfiguration));
            Assert.Equal("maxMessageSizeInBytes 204800 is more than the " + AscPortConfig.MaxMessageSize + " bytes compiled in (ASC_MAX_MESSAGE_SIZE); " + AscPortConfig.MaxMessageSize + " is used", message.Message);
        }

        private static void AssertRejectedWith(TwinOutcome outcome, AgentConfiguration unchanged, string name, ConfigurationErrorType type, string used)
        {
            Assert.True(outcome.Status == TwinUpdateStatus.Rejected, outcome.ToString());
            Assert.False(outcome.Changed);
            Assert.True(outcome.Configuration.SameAs(unchanged), Describe(outcome.Configuration));
            Assert.True(outcome.Errors.Count == 1, outcome.ToString());
            ConfigurationError error = outcome.Error;
            Assert.Equal(name, error.ConfigurationName);
            Assert.Equal(type, error.ErrorType);
            Assert.Equal(used, error.UsedConfiguration);
            Assert.False(string.IsNullOrEmpty(error.Message));
        }
    }
}
