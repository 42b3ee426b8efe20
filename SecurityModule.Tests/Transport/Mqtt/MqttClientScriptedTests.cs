using Xunit;
using static NanoSecurity.Tests.Transport.Mqtt.Bytes;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>
    /// The client against a peer scripted byte by byte, in virtual time: connect and refusal,
    /// QoS 1 PUBACK deadline, keep-alive, dead link, bad packets, subscribe, disconnect.
    /// </summary>
    public sealed class MqttClientScriptedTests : IDisposable
    {
        private const int MaxPacketSize = 128;

        private readonly FakeMonotonicClock _clock = new FakeMonotonicClock();
        private readonly ScriptedChannel _channel;
        private readonly RecordingHandler _handler;
        private readonly MqttClient _client;

        public MqttClientScriptedTests()
        {
            _channel = new ScriptedChannel(_clock) { Responder = ScriptedChannel.Broker() };
            _handler = new RecordingHandler(_clock);
            _client = new MqttClient(_channel, _handler, _clock, MaxPacketSize);
        }

        public void Dispose() => _client.Disconnect();

        [Fact]
        public void ConnectSendsConnectAndWaitsForConnAck()
        {
            _client.Connect("hub.example", 8883, "dev", "hub/dev", "sas", 60, 5000);

            Assert.True(_client.IsConnected);
            Assert.Equal(1, _channel.Connects);
            var written = _channel.Written();
            Assert.Single(written);
            Assert.Equal("101D00044D51545404C2003C" + "0003646576" + "00076875622F646576" + "0003736173", ToHex(written[0].Bytes));
        }

        [Theory]
        [InlineData(1, "connection refused (CONNACK 1): unacceptable protocol version")]
        [InlineData(2, "connection refused (CONNACK 2): identifier rejected")]
        [InlineData(3, "connection refused (CONNACK 3): server unavailable")]
        [InlineData(4, "connection refused (CONNACK 4): bad user name or password")]
        [InlineData(5, "connection refused (CONNACK 5): not authorized")]
        public void ARefusedConnectThrowsTheReturnCodeWithItsMeaning(int code, string message)
        {
            _channel.Responder = ScriptedChannel.Broker(connAckCode: (byte)code);

            var e = Assert.Throws<MqttConnectException>(() => _client.Connect("h", 1883, "c", null, null, 60, 5000));

            Assert.Equal(code, e.ReturnCode);
            Assert.Equal(message, e.Message);
            Assert.False(_client.IsConnected);
            Assert.True(_channel.IsClosed);
            Assert.Empty(_handler.Lost);
        }

        [Theory]
        [InlineData("2003000000", "CONNACK remaining length")]
        [InlineData("20020006", "return code 6")]
        [InlineData("20020100", "clean session")]
        [InlineData("D000", "not a CONNACK")]
        [InlineData("C000", "only a client may send")]
        [InlineData("30FFFF03", "receive buffer")]
        public void AMalformedOrUnexpectedReplyToConnectIsAProtocolError(string reply, string reason)
        {
            _channel.Responder = packet => Hex(reply);

            var e = Assert.Throws<MqttProtocolException>(() => _client.Connect("h", 1883, "c", null, null, 60, 5000));

            Assert.Contains(reason, e.Message);
            Assert.False(_client.IsConnected);
            Assert.True(_channel.IsClosed);
        }

        [Fact]
        public void NoConnAckInTimeIsATimeout()
        {
            _channel.Responder = null;

            Assert.Throws<TimeoutException>(() => _client.Connect("h", 1883, "c", null, null, 60, 5000));

            Assert.True(_clock.ElapsedMilliseconds >= 5000);
            Assert.False(_client.IsConnected);
            Assert.True(_channel.IsClosed);
        }

        [Fact]
        public void TheChannelsConnectFailureComesThroughAndTheNextConnectWorks()
        {
            var failure = new IOException("no route to host");
            _channel.ConnectFailure = failure;

            Assert.Same(failure, Assert.Throws<IOException>(() => _client.Connect("h", 1883, "c", null, null, 60, 5000)));
            Assert.False(_client.IsConnected);

            _client.Connect("h", 1883, "c", null, null, 60, 5000);
            Assert.True(_client.IsConnected);
        }

        [Fact]
        public void BadConnectArgumentsThrowBeforeTheChannelOpens()
        {
            Assert.Throws<ArgumentException>(() => _client.Connect("h", 1883, "c", null, "password", 60, 5000));
            Assert.Throws<ArgumentException>(() => _client.Connect("h", 1883, new string('c', 200), null, null, 60, 5000));

            Assert.Equal(0, _channel.Connects);
        }

        [Fact]
        public void BytesAfterTheConnAckGoToTheReaderEvenOneByteAtATime()
        {
            _channel.ChunkSize = 1;
            _channel.Responder = packet => packet[0] == 0x10 ? Hex("20020000" + "3007 0003612F62 6869" + "3004 0001 62 21") : null;

            Connect(keepAliveSeconds: 0);

            _handler.WaitUntil(h => h.Messages.Count == 2, "two messages");
            Assert.Equal(("a/b", "hi"), (_handler.Messages[0].Topic, System.Text.Encoding.ASCII.GetString(_handler.Messages[0].Payload)));
            Assert.Equal(("b", "!"), (_handler.Messages[1].Topic, System.Text.Encoding.ASCII.GetString(_handler.Messages[1].Payload)));
        }

        [Fact]
        public void ConnectTwiceIsRefused()
        {
            Connect();

            Assert.Throws<InvalidOperationException>(() => Connect());
        }

        [Fact]
        public void PublishQos0WritesThePacketAndReturnsZero()
        {
            Connect();

            Assert.Equal(0, _client.Publish("a/b", new byte[] { 0x68, 0x69 }, 0, 2, 0));

            Assert.Equal("3007" + "0003612F62" + "6869", ToHex(_channel.Written(MqttPacketType.Publish).Single().Bytes));
            Assert.False(_client.HasPublishInFlight);
        }

        [Fact]
        public void AnUnacknowledgedQos1PublishEndsTheLinkWithoutAResendOnTheSameConnection()
        {
            Connect(keepAliveSeconds: 0);
            _client.PubAckTimeoutMilliseconds = 2000;

            ushort id = _client.Publish("a/b", new byte[] { 1, 2, 3 }, 0, 3, 1);

            _handler.WaitUntil(h => h.Lost.Count == 1, "connection lost");
            var publishes = _channel.Written(MqttPacketType.Publish);

            // A resend with DUP on the same connection would be a second billed copy at a slow hub.
            Assert.Single(publishes);
            Assert.Equal(0x32, publishes[0].Bytes[0]);
            Assert.Equal(id, PublishPacketId(publishes[0].Bytes));
            Assert.IsType<TimeoutException>(_handler.Lost[0]);
            Assert.Contains("no PUBACK for packet " + id, _handler.Lost[0].Message);
            AssertWithinAPoll(_handler.LostAt[0] - publishes[0].Time, 2000);
            Assert.True(_channel.IsClosed);
            Assert.False(_client.IsConnected);
            Assert.False(_client.HasPublishInFlight);
            Assert.Empty(_handler.Acknowledged);
        }

        [Fact]
        public void APublishFromASourceIsTheSamePacketAsAPublish()
        {
            Connect(keepAliveSeconds: 0);
            _client.PubAckTimeoutMilliseconds = int.MaxValue;
            _channel.Responder = null;
            var source = new ArraySource(new byte[] { 1, 2, 3 });

            ushort id = _client.PublishFrom("a/b", source);

            var publishes = _channel.Written(MqttPacketType.Publish);
            Assert.Single(publishes);
            Assert.Equal("320A" + "0003612F62" + id.ToString("X4") + "010203", ToHex(publishes[0].Bytes));
            Assert.Equal(1, source.Calls);
            Assert.True(source.Capacity >= MaxPacketSize - 16);
            Assert.True(_client.HasPublishInFlight);
        }

        [Fact]
        public void APublishFromEncodesEachNewTopicAndNeverSendsAStaleOne()
        {
            Connect(keepAliveSeconds: 0);
            _client.PubAckTimeoutMilliseconds = int.MaxValue;
            _channel.Responder = packet => packet[0] >> 4 == (int)MqttPacketType.Publish
                ? Hex("4002" + ToHex(packet, packet.Length - 3, 2))
                : null;
            string first = "a/b";
            string second = string.Concat("c/", "\u00e9");
            string sameTextAsFirst = string.Concat("a/", "b");
            string[] topics = { first, first, second, sameTextAsFirst, first };

            for (int i = 0; i < topics.Length; i++)
            {
                _client.PublishFrom(topics[i], new ArraySource(new byte[] { (byte)i }));
                _handler.WaitUntil(h => h.Acknowledged.Count == i + 1, "PUBACK " + i);
            }

            var publishes = _channel.Written(MqttPacketType.Publish);
            Assert.Equal(topics.Length, publishes.Count);
            for (int i = 0; i < topics.Length; i++)
            {
                var expected = new byte[64];
                ushort id = (ushort)((publishes[i].Bytes[publishes[i].Bytes.Length - 3] << 8) | publishes[i].Bytes[publishes[i].Bytes.Length - 2]);
                int length = MqttPacketWriter.WritePublish(expected, topics[i], new byte[] { (byte)i }, 0, 1, 1, id, false);
                Assert.Equal(ToHex(expected, 0, length), ToHex(publishes[i].Bytes));
            }
        }

        [Fact]
        public void APublishFromAnEmptySourceSendsNothing()
        {
            Connect(keepAliveSeconds: 0);

            Assert.Equal(0, _client.PublishFrom("a/b", new ArraySource(Array.Empty<byte>())));
            Assert.Empty(_channel.Written(MqttPacketType.Publish));
            Assert.False(_client.HasPublishInFlight);
            Assert.Throws<ArgumentNullException>(() => _client.PublishFrom("a/b", null));
        }

        [Fact]
        public void APubAckEndsThePublishAndAStrayPubAckIsIgnored()
        {
            Connect(keepAliveSeconds: 0);
            _client.PubAckTimeoutMilliseconds = 2000;

            // Acknowledged twice: the second PUBACK finds nothing in flight.
            _channel.Responder = packet => packet[0] >> 4 == (int)MqttPacketType.Publish
                ? Hex("4002" + ToHex(packet, packet.Length - 4, 2) + "4002" + ToHex(packet, packet.Length - 4, 2))
                : null;
            ushort id = _client.Publish("a/b", new byte[] { 1, 2 }, 0, 2, 1);

            _handler.WaitUntil(h => h.Acknowledged.Count == 1, "PUBACK");
            Assert.Equal(id, _handler.Acknowledged[0]);
            Assert.False(_client.HasPublishInFlight);

            long acknowledgedAt = _clock.ElapsedMilliseconds;
            _handler.WaitUntil(h => _clock.ElapsedMilliseconds > acknowledgedAt + 10_000, "10 s more");
            Assert.Single(_channel.Written(MqttPacketType.Publish));
            Assert.Single(_handler.Acknowledged);
            Assert.Empty(_handler.Lost);
            Assert.True(_client.IsConnected);
        }

        [Fact]
        public void OnlyOneQos1PublishMayBeInFlight()
        {
            Connect(keepAliveSeconds: 0);
            _client.PubAckTimeoutMilliseconds = int.MaxValue;
            _channel.Responder = null;

            ushort first = _client.Publish("t", new byte[1], 0, 1, 1);
            Assert.True(_client.HasPublishInFlight);
            Assert.Throws<InvalidOperationException>(() => _client.Publish("t", new byte[1], 0, 1, 1));
            Assert.Equal(0, _client.Publish("t", new byte[1], 0, 1, 0));

            _channel.Enqueue(0x40, 0x02, (byte)(first >> 8), (byte)first);
            _handler.WaitUntil(h => h.Acknowledged.Count == 1, "PUBACK");
            Assert.False(_client.HasPublishInFlight);
            Assert.Equal(first + 1, _client.Publish("t", new byte[1], 0, 1, 1));
        }

        [Fact]
        public void PacketIdentifiersRunFrom1To65535ThenWrapPast0()
        {
            Connect(keepAliveSeconds: 0);
            _channel.Responder = ScriptedChannel.Broker(acknowledgePublishes: true);

            var seen = new ushort[65537];
            for (int i = 0; i < seen.Length; i++)
            {
                seen[i] = _client.Publish("t", null, 0, 0, 1);
                SpinWait.SpinUntil(() => !_client.HasPublishInFlight, 5000);
                Assert.False(_client.HasPublishInFlight, "no PUBACK for " + seen[i]);
            }

            for (int i = 0; i < 65535; i++)
            {
                Assert.Equal(i + 1, seen[i]);
            }

            Assert.Equal(1, seen[65535]);
            Assert.Equal(2, seen[65536]);
            Assert.Equal(seen, _handler.Acknowledged);
        }

        [Fact]
        public void PingReqIsSentAfterKeepAliveWithoutSending()
        {
            Connect(keepAliveSeconds: 10);

            _handler.WaitUntil(h => _clock.ElapsedMilliseconds >= 65_000, "65 s of virtual time");

            long[] pings = _channel.Written(MqttPacketType.PingReq).Select(p => p.Time).ToArray();
            Assert.Equal(new long[] { 10_000, 20_000, 30_000, 40_000, 50_000, 60_000 }, pings.Take(6));
            Assert.All(_channel.Written(MqttPacketType.PingReq), p => Assert.Equal("C000", ToHex(p.Bytes)));
            Assert.Empty(_handler.Lost);
            Assert.True(_client.IsConnected);
        }

        [Fact]
        public void PingReqIsAlsoSentWhenOnlyTheServerIsQuiet()
        {
            // The client sends QoS 0 every virtual second, so only the receive side is idle:
            // without a PINGREQ the link would be declared dead at 15 s.
            _channel.IdleRead = () => _client.Publish("t", null, 0, 0, 0);
            Connect(keepAliveSeconds: 10);

            _handler.WaitUntil(h => _clock.ElapsedMilliseconds >= 35_000, "35 s of virtual time");

            Assert.Equal(new long[] { 10_000, 20_000, 30_000 }, _channel.Written(MqttPacketType.PingReq).Select(p => p.Time).Take(3));
            Assert.True(_channel.Written(MqttPacketType.Publish).Count >= 30);
            Assert.Empty(_handler.Lost);
        }

        [Fact]
        public void ALinkSilentFor1Point5KeepAlivesIsDeclaredDead()
        {
            _channel.Responder = ScriptedChannel.Broker(answerPings: false);
            Connect(keepAliveSeconds: 10);

            _handler.WaitUntil(h => h.Lost.Count == 1, "connection lost");

            Assert.IsType<TimeoutException>(_handler.Lost[0]);
            Assert.Equal(15_000, _handler.LostAt[0]);
            Assert.Equal(new long[] { 10_000 }, _channel.Written(MqttPacketType.PingReq).Select(p => p.Time));
            Assert.True(_channel.IsClosed);
            Assert.False(_client.IsConnected);
        }

        [Fact]
        public void AnyIncomingPacketKeepsTheLinkAlive()
        {
            // The server never sends PINGRESP, but answers each PINGREQ with a PUBLISH.
            Func<byte[], byte[]> broker = ScriptedChannel.Broker(answerPings: false);
            _channel.Responder = packet => packet[0] == 0xC0 ? Hex("3003000174") : broker(packet);
            Connect(keepAliveSeconds: 10);

            _handler.WaitUntil(h => _clock.ElapsedMilliseconds >= 60_000, "60 s of virtual time");

            Assert.Empty(_handler.Lost);
            Assert.True(_handler.Messages.Count >= 5);
        }

        [Theory]
        [InlineData("4003000100", "PUBACK remaining length", 0)]
        [InlineData("20020000", "CONNACK on a connection", 0)]
        [InlineData("C000", "only a client may send", 0)]
        [InlineData("3203000161", "runs past", 1)]
        [InlineData("32C801", "exceeds the receive buffer of 128 bytes", 1)]
        [InlineData("D0FFFFFFFF7F", "four bytes", 1)]
        [InlineData("30040002C328", "UTF-8", 0)]
        [InlineData("900400010101", "more than one return code", 0)]
        [InlineData("3603000161", "QoS 3", 0)]
        [InlineData("B0020001", "UNSUBACK", 0)]
        public void AMalformedPacketFromThePeerEndsTheConnection(string hex, string reason, int chunkSize)
        {
            Connect();
            if (chunkSize > 0)
            {
                _channel.ChunkSize = chunkSize;
            }

            _channel.Enqueue(Hex("D000" + hex + "3003000174"));

            _handler.WaitUntil(h => h.Lost.Count == 1, "connection lost");
            var e = Assert.IsType<MqttProtocolException>(_handler.Lost[0]);
            Assert.Contains(reason, e.Message);
            Assert.True(_channel.IsClosed);
            Assert.False(_client.IsConnected);
            Assert.Empty(_handler.Messages);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(7)]
        public void AQos0PublishLargerThanTheBufferIsSkippedAndTheLinkStaysUp(int chunkSize)
        {
            Connect();
            if (chunkSize > 0)
            {
                _channel.ChunkSize = chunkSize;
            }

            // 200 bytes of body after a 3-byte fixed header, in a client whose buffer holds 128, then a small PUBLISH to "t".
            _channel.Enqueue(Hex("30C801" + string.Concat(Enumerable.Repeat("41", 200)) + "3003000174"));

            _handler.WaitUntil(h => h.Messages.Count == 1, "the PUBLISH after the skipped one");
            Assert.Equal(new[] { 203 }, _handler.TooLarge);
            Assert.Equal("t", _handler.Messages.Single().Topic);
            Assert.Empty(_handler.Lost);
            Assert.True(_client.IsConnected);
        }

        [Fact]
        public void ASmallTransmitBufferLimitsQos0PublishesButNotQos1Ones()
        {
            var channel = new ScriptedChannel(_clock) { Responder = ScriptedChannel.Broker() };
            // 64 bytes hold a QoS 0 PUBLISH to "t" with 59 payload bytes (2 + 3 + 59).
            var client = new MqttClient(channel, new RecordingHandler(_clock), _clock, 256, 64);
            try
            {
                client.Connect("h", 1883, "c", null, null, 60, 5000);

                client.Publish("t", new byte[59], 0, 59, 0);
                Assert.Throws<ArgumentException>(() => client.Publish("t", new byte[60], 0, 60, 0));
                client.Publish("t", new byte[200], 0, 200, 1);

                Assert.Equal(2, channel.Written(MqttPacketType.Publish).Count);
                Assert.True(client.IsConnected);
            }
            finally
            {
                client.Disconnect();
            }
        }

        [Fact]
        public void APublishWithATopicLongerThanTheTopicBufferIsSkippedAndStillAcknowledged()
        {
            var handler = new RecordingHandler(_clock);
            var channel = new ScriptedChannel(_clock) { Responder = ScriptedChannel.Broker() };
            var client = new MqttClient(channel, handler, _clock, 4 * MqttClient.MaxTopicChars);
            try
            {
                client.Connect("h", 1883, "c", null, null, 60, 5000);

                // QoS 1, packet id 0x0102, one payload byte; remaining length 2 + topic + 2 + 1 = 518, encoded 86 04.
                int topicLength = MqttClient.MaxTopicChars + 1;
                var packet = new List<byte> { 0x32, 0x86, 0x04, (byte)(topicLength >> 8), (byte)topicLength };
                packet.AddRange(Enumerable.Repeat((byte)'t', topicLength));
                packet.AddRange(new byte[] { 0x01, 0x02, 0x21 });
                packet.AddRange(Hex("3003000174"));
                channel.Enqueue(packet.ToArray());

                handler.WaitUntil(h => h.Messages.Count == 1, "the PUBLISH after the skipped one");
                Assert.Equal(new[] { 521 }, handler.TooLarge);
                Assert.Equal("t", handler.Messages.Single().Topic);
                handler.WaitUntil(h => channel.Written(MqttPacketType.PubAck).Count == 1, "PUBACK");
                Assert.Equal("40020102", ToHex(channel.Written(MqttPacketType.PubAck)[0].Bytes));
                Assert.Empty(handler.Lost);
                Assert.True(client.IsConnected);
            }
            finally
            {
                client.Disconnect();
            }
        }

        [Fact]
        public void AnIncomingQos1PublishIsAcknowledgedAfterTheHandlerRan()
        {
            Connect();
            int pubAcksDuringHandler = -1;
            _handler.OnMessage = topic => pubAcksDuringHandler = _channel.Written(MqttPacketType.PubAck).Count;

            _channel.Enqueue(Hex("3209 0003612F62 000A 6869"));

            _handler.WaitUntil(h => _channel.Written(MqttPacketType.PubAck).Count == 1, "PUBACK");
            Assert.Equal(0, pubAcksDuringHandler);
            Assert.Equal("4002000A", ToHex(_channel.Written(MqttPacketType.PubAck)[0].Bytes));
            Assert.Equal("a/b", _handler.Messages.Single().Topic);
            Assert.Equal(new byte[] { 0x68, 0x69 }, _handler.Messages.Single().Payload);
        }

        [Fact]
        public void ManyPacketsInAnyChunkingArriveInOrder()
        {
            Connect(keepAliveSeconds: 0);
            var random = new Random(7);
            var expected = new List<string>();
            var stream = new List<byte>();
            for (int i = 0; i < 300; i++)
            {
                string topic = "t/" + i + "/é😀";
                byte[] payload = new byte[random.Next(0, 80)];
                random.NextBytes(payload);
                int length = MqttPacketWriter.WritePublish(new byte[MaxPacketSize], topic, payload, 0, payload.Length, 0, 0, false);
                var packet = new byte[length];
                MqttPacketWriter.WritePublish(packet, topic, payload, 0, payload.Length, 0, 0, false);
                stream.AddRange(packet);
                stream.AddRange(Hex("D000"));
                expected.Add(topic + ":" + Convert.ToHexString(payload));
            }

            _channel.ChunkSize = 13;
            _channel.Enqueue(stream.ToArray());

            _handler.WaitUntil(h => h.Messages.Count == expected.Count, "all messages");
            Assert.Equal(expected, _handler.Messages.Select(m => m.Topic + ":" + Convert.ToHexString(m.Payload)));
            Assert.Empty(_handler.Lost);
        }

        [Fact]
        public void SubscribeSendsSubscribeAndReturnsOnSubAck()
        {
            Connect();

            _client.Subscribe("a/#", 1, 5000);

            Assert.Equal("8208" + "0001" + "0003612F23" + "01", ToHex(_channel.Written(MqttPacketType.Subscribe).Single().Bytes));
        }

        [Fact]
        public void ARefusedSubscriptionThrowsAndTheConnectionStays()
        {
            Connect();
            _channel.Responder = packet => new byte[] { 0x90, 0x03, packet[2], packet[3], 0x80 };

            var e = Assert.Throws<MqttSubscribeException>(() => _client.Subscribe("devices/d/messages/devicebound/#", 1, 5000));

            Assert.Equal("subscription to 'devices/d/messages/devicebound/#' refused by the server (SUBACK 0x80)", e.Message);
            Assert.True(_client.IsConnected);
        }

        [Fact]
        public void NoSubAckIsATimeoutAndALateSubAckIsIgnored()
        {
            Connect(keepAliveSeconds: 0);
            _channel.Responder = null;

            Assert.Throws<TimeoutException>(() => _client.Subscribe("a", 0, 100));

            _channel.Enqueue(Hex("9003000100" + "3003000174"));
            _handler.WaitUntil(h => h.Messages.Count == 1, "the message after the late SUBACK");
            Assert.True(_client.IsConnected);
            Assert.Empty(_handler.Lost);
        }

        [Fact]
        public async Task SubscribeWhileTheConnectionDropsThrowsIOException()
        {
            Connect(keepAliveSeconds: 0);
            _channel.Responder = null;
            var dropper = Task.Run(() =>
            {
                SpinWait.SpinUntil(() => _channel.Written(MqttPacketType.Subscribe).Count == 1, 5000);
                _channel.ClosePeer();
            });

            Assert.Throws<IOException>(() => _client.Subscribe("a", 0, 10_000));

            await dropper;
            _handler.WaitUntil(h => h.Lost.Count == 1, "connection lost");
            Assert.IsType<IOException>(_handler.Lost[0]);
        }

        [Fact]
        public void NothingIsSentWhenNotConnected()
        {
            Assert.Throws<InvalidOperationException>(() => _client.Publish("t", null, 0, 0, 0));
            Assert.Throws<InvalidOperationException>(() => _client.Publish("t", null, 0, 0, 1));
            Assert.Throws<InvalidOperationException>(() => _client.Subscribe("t", 0, 100));

            Assert.Empty(_channel.Written());
        }

        [Fact]
        public void DisconnectSendsDisconnectClosesAndReportsNothingThenConnectAgain()
        {
            Connect(keepAliveSeconds: 0);
            _client.PubAckTimeoutMilliseconds = int.MaxValue;
            _channel.Responder = null;
            _client.Publish("t", null, 0, 0, 1);

            _client.Disconnect();

            Assert.Equal("E000", ToHex(_channel.Written().Last().Bytes));
            Assert.True(_channel.IsClosed);
            Assert.False(_client.IsConnected);
            Assert.False(_client.HasPublishInFlight);
            Assert.Throws<InvalidOperationException>(() => _client.Publish("t", null, 0, 0, 0));
            _client.Disconnect();
            Assert.Single(_channel.Written(MqttPacketType.Disconnect));

            _channel.Responder = ScriptedChannel.Broker();
            Connect();
            Assert.Equal(2, _channel.Connects);
            _channel.Enqueue(Hex("3003000174"));
            _handler.WaitUntil(h => h.Messages.Count == 1, "a message on the new connection");
            Assert.Empty(_handler.Lost);
        }

        [Fact]
        public void ThePeerHangingUpIsReportedOnceAndTheHandlerMayReconnect()
        {
            Connect(keepAliveSeconds: 0);
            _client.PubAckTimeoutMilliseconds = int.MaxValue;
            _channel.Responder = null;
            _client.Publish("t", null, 0, 0, 1);
            bool inFlightWhenLost = true;
            Exception reconnectFailure = null;
            _handler.OnLost = reason =>
            {
                // On the reader thread: record, never throw.
                inFlightWhenLost = _client.HasPublishInFlight;
                _channel.Responder = ScriptedChannel.Broker();
                try
                {
                    Connect();
                }
                catch (Exception e)
                {
                    reconnectFailure = e;
                }
            };

            _channel.ClosePeer();

            _handler.WaitUntil(h => h.Lost.Count == 1 && _client.IsConnected, "loss and reconnect");
            Assert.Null(reconnectFailure);
            Assert.False(inFlightWhenLost);
            Assert.IsType<IOException>(_handler.Lost[0]);
            Assert.Equal(2, _channel.Connects);
            _channel.Enqueue(Hex("3003000174"));
            _handler.WaitUntil(h => h.Messages.Count == 1, "a message on the new connection");
            Assert.Single(_handler.Lost);
        }

        [Fact]
        public void AHandlerMayDisconnectButNotReconnectAndTheOwnerThenConnectsAgain()
        {
            Connect(keepAliveSeconds: 0);
            Exception reconnect = null;
            _handler.OnMessage = topic =>
            {
                _handler.OnMessage = null;
                _client.Disconnect();
                try
                {
                    Connect();
                }
                catch (Exception e)
                {
                    reconnect = e;
                }
            };

            // Two messages in one read: the second is not delivered after the Disconnect.
            _channel.Enqueue(Hex("3003000174" + "3003000175"));
            _handler.WaitUntil(h => h.Messages.Count == 1, "the message");

            // Waits for the old reader to leave the handler before starting a new one.
            Connect(keepAliveSeconds: 0);
            Assert.IsType<InvalidOperationException>(reconnect);
            _channel.Enqueue(Hex("3003000174"));
            _handler.WaitUntil(h => h.Messages.Count == 2, "a message on the new connection");
            Assert.Equal(new[] { "t", "t" }, _handler.Messages.Select(m => m.Topic));
            Assert.True(_client.IsConnected);
            Assert.Empty(_handler.Lost);
            Assert.Single(_channel.Written(MqttPacketType.Disconnect));
        }

        [Fact]
        public void AFailedWriteIsTheReasonReported()
        {
            Connect(keepAliveSeconds: 0);
            var failure = new IOException("broken pipe");
            _channel.WriteFailure = failure;

            Assert.Same(failure, Assert.Throws<IOException>(() => _client.Publish("t", null, 0, 0, 0)));

            _handler.WaitUntil(h => h.Lost.Count == 1, "connection lost");
            Assert.Same(failure, _handler.Lost[0]);
            Assert.True(_channel.IsClosed);
        }

        [Fact]
        public void AHandlerExceptionEndsTheConnection()
        {
            Connect();
            var failure = new InvalidOperationException("handler bug");
            _handler.OnMessage = topic => throw failure;

            _channel.Enqueue(Hex("3003000174"));

            _handler.WaitUntil(h => h.Lost.Count == 1, "connection lost");
            Assert.Same(failure, _handler.Lost[0]);
        }

        [Fact]
        public async Task WritesFromTheCallerAndTheReaderNeverInterleave()
        {
            _channel.Responder = ScriptedChannel.Broker(acknowledgePublishes: true);
            Connect(keepAliveSeconds: 1);
            var incoming = new List<byte>();
            for (int i = 1; i <= 500; i++)
            {
                incoming.AddRange(Hex("3206 0001 74 " + i.ToString("X4") + "21"));
            }

            _channel.Enqueue(incoming.ToArray());
            var publishers = Enumerable.Range(0, 2).Select(n => Task.Run(() =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    _client.Publish("p/" + n, new byte[20], 0, 20, 0);
                }
            })).ToArray();
            await Task.WhenAll(publishers);

            _handler.WaitUntil(h => _channel.Written(MqttPacketType.PubAck).Count == 500, "500 PUBACKs");
            Assert.Equal(0, _channel.OverlappingWrites);
            Assert.Equal(2000, _channel.Written(MqttPacketType.Publish).Count);
            Assert.Empty(_handler.Lost);
        }

        private static void AssertWithinAPoll(long actual, long expected)
        {
            // Deadlines set by the caller's thread are seen at the reader's next wake-up, at most a second later.
            Assert.InRange(actual, expected, expected + 1000);
        }

        private void Connect(ushort keepAliveSeconds = 60)
        {
            _client.Connect("h", 1883, "c", null, null, keepAliveSeconds, 5000);
        }
    }
}
