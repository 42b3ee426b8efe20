using System;

namespace NanoSecurity
{
    /// <summary>
    /// Writes security messages (Defender for IoT JSON schema 1.0) into one preallocated
    /// buffer of ASC_MAX_MESSAGE_SIZE bytes and hands each finished message to the sink.
    /// </summary>
    /// <remarks>
    /// A message never exceeds the buffer: the writer keeps room for the closing brackets,
    /// and an item that does not fit is rolled back, the message is closed and sent, and the
    /// same event continues in a new message. So one collection may become several events
    /// and several messages. What can never fit, and messages the sink refuses, are counted
    /// as dropped for DroppedEventsStatistics.
    /// </remarks>
    internal sealed class SecurityMessageWriter
    {
        // "]}" closes an event's payload and the event, and equally the events array and the message.
        private const int CloseSize = 2;
        private const int IdSize = 16;

        // ASC_MAX_MESSAGE_SIZE's own minimum: one event header always fits.
        private const int MinMessageSize = 512;

        private readonly JsonWriter _json;
        private readonly string _header;
        private readonly ISecurityMessageSink _sink;
        private readonly IEventCountingSink _countingSink;
        private readonly IRandomSource _random;
        private readonly EventStatistics _events;
        private readonly MessageStatistics _messages;
        private readonly byte[] _id = new byte[IdSize];
        private readonly int[] _unitsInMessage = new int[2];

        private int _capacity;
        private DateTime _utc;
        private int _offsetMinutes;
        private int _eventsInMessage;
        private SecurityEventKind _open;
        private int _itemsInEvent;
        private int _eventStart;

        // Length of the message up to its last complete event: what a failed write goes back to.
        private int _committed;
        private int _itemStart;

        internal SecurityMessageWriter(
            int maxMessageSize,
            string agentId,
            string agentVersion,
            IRandomSource random,
            ISecurityMessageSink sink,
            EventStatistics events,
            MessageStatistics messages)
        {
            _json = new JsonWriter(maxMessageSize);
            _capacity = maxMessageSize;
            _header = "{\"AgentVersion\":\"" + agentVersion + "\",\"AgentId\":\"" + agentId
                + "\",\"MessageSchemaVersion\":\"1.0\",\"Events\":[";
            _random = random;
            _sink = sink;
            _countingSink = sink as IEventCountingSink;
            _events = events;
            _messages = messages;
        }

        /// <summary>The underlying writer, for the fields of the current payload item.</summary>
        internal JsonWriter Json => _json;

        /// <summary>Sees every finished message before the sink gets it; null for none.</summary>
        internal ISecurityMessageObserver Observer { get; set; }

        /// <summary>Messages handed to the sink, accepted or not.</summary>
        internal int MessagesFlushed { get; private set; }

        /// <summary>Events written since the writer was made (those split over messages count once per part).</summary>
        internal int EventsWritten { get; private set; }

        /// <summary>True when no event waits in the open message.</summary>
        internal bool IsEmpty => _eventsInMessage == 0;

        /// <summary>
        /// Bytes a message may take from now on: at most the buffer's size (ASC_MAX_MESSAGE_SIZE),
        /// at least 512. Call between messages (after <see cref="Flush"/>).
        /// </summary>
        /// <exception cref="InvalidOperationException">A message is open.</exception>
        internal int MaxMessageSize
        {
            get
            {
                return _capacity;
            }

            set
            {
                if (_json.Length != 0)
                {
                    throw new InvalidOperationException("a message is open");
                }

                _capacity = value < MinMessageSize ? MinMessageSize : value > _json.Capacity ? _json.Capacity : value;
                _json.Limit = _capacity;
            }
        }

        /// <summary>Sets the timestamps of the events written from now on.</summary>
        internal void SetTime(DateTime utc, int offsetMinutes)
        {
            _utc = utc;
            _offsetMinutes = offsetMinutes;
        }

        /// <summary>Writes an event with <c>IsEmpty</c> true and an empty payload (Periodic kinds only).</summary>
        internal void WriteEmptyEvent(SecurityEventKind kind)
        {
            WriteEventHeader(kind, true);
            _eventsInMessage++;
            EventsWritten++;
            _committed = _json.Length;
            _json.Limit = _capacity - CloseSize;
            _events.AddCollected(kind.Queue, 1);
            _unitsInMessage[(int)kind.Queue]++;
        }

        /// <summary>Opens an event whose payload items follow (BeginItem, fields, EndItem).</summary>
        internal void BeginEvent(SecurityEventKind kind)
        {
            _open = kind;
            _itemsInEvent = 0;
            WriteEventHeader(kind, false);
        }

        /// <summary>Opens a payload item; the caller then writes its fields with <see cref="Json"/>.</summary>
        internal void BeginItem()
        {
            _itemStart = _json.Length;
            if (_itemsInEvent > 0)
            {
                _json.WriteByte((byte)',');
            }

            _json.WriteByte((byte)'{');
        }

        /// <summary>
        /// Closes a payload item. False means it did not fit: the message so far was sent and
        /// the event continues in a new one, so the caller writes the same item again.
        /// </summary>
        internal bool EndItem()
        {
            _json.WriteByte((byte)'}');
            if (!_json.Overflowed)
            {
                _itemsInEvent++;
                if (_open.CountsItems)
                {
                    _events.AddCollected(_open.Queue, 1);
                    _unitsInMessage[(int)_open.Queue]++;
                }

                return true;
            }

            _json.Reset(_itemStart);
            if (_itemsInEvent == 0 && _eventsInMessage == 0)
            {
                // Alone in an empty message and still too large: it can never be sent.
                if (_open.CountsItems)
                {
                    _events.AddCollected(_open.Queue, 1);
                    _events.AddDropped(_open.Queue, 1);
                }

                return true;
            }

            CloseEvent();
            Flush();
            WriteEventHeader(_open, false);
            _itemsInEvent = 0;
            return false;
        }

        /// <summary>Closes the open event; an event left without items is removed.</summary>
        internal void EndEvent()
        {
            if (_itemsInEvent == 0 && !_open.CountsItems)
            {
                _events.AddCollected(_open.Queue, 1);
                _events.AddDropped(_open.Queue, 1);
            }

            CloseEvent();
            _open = null;
        }

        /// <summary>
        /// After a collector failed half-way: closes the open event with the items it completed,
        /// or removes an event header it was writing (a port may throw inside one, e.g. the
        /// random source of its Id), so that the message stays valid JSON.
        /// </summary>
        internal void AbortEvent()
        {
            if (_open != null)
            {
                _itemsInEvent = 0;
                CloseEvent();
                _open = null;
                return;
            }

            if (_eventsInMessage == 0)
            {
                _json.Clear();
            }
            else
            {
                _json.Reset(_committed);
            }

            _json.Limit = _capacity - CloseSize;
        }

        /// <summary>Closes the current message, if it holds any event, and hands it to the sink.</summary>
        internal void Flush()
        {
            if (_eventsInMessage > 0)
            {
                _json.Limit = _capacity;
                _json.WriteRaw("]}");
                MessagesFlushed++;
                Observe();
                if (!Accept())
                {
                    _messages.AddFailed();
                    _events.AddDropped(EventQueue.High, _unitsInMessage[(int)EventQueue.High]);
                    _events.AddDropped(EventQueue.Low, _unitsInMessage[(int)EventQueue.Low]);
                }
            }

            _json.Clear();
            _eventsInMessage = 0;
            _unitsInMessage[0] = 0;
            _unitsInMessage[1] = 0;
        }

        private void Observe()
        {
            if (Observer == null)
            {
                return;
            }

            try
            {
                Observer.OnMessage(_json.Buffer, _json.Length);
            }
            catch (Exception)
            {
                // A diagnostic hook never costs a message.
            }
        }

        private bool Accept()
        {
            try
            {
                return _countingSink != null
                    ? _countingSink.TryAccept(
                        _json.Buffer, _json.Length, _unitsInMessage[(int)EventQueue.High], _unitsInMessage[(int)EventQueue.Low])
                    : _sink.TryAccept(_json.Buffer, _json.Length);
            }
            catch (Exception)
            {
                // A failing sink loses this message, counted, but never stops collection.
                return false;
            }
        }

        private void CloseEvent()
        {
            if (_itemsInEvent == 0)
            {
                _json.Reset(_eventStart);
            }
            else
            {
                _json.Limit = _capacity - CloseSize;
                _json.WriteRaw("]}");
                _eventsInMessage++;
                EventsWritten++;
                _committed = _json.Length;
                if (!_open.CountsItems)
                {
                    _events.AddCollected(_open.Queue, 1);
                    _unitsInMessage[(int)_open.Queue]++;
                }
            }

            _json.Limit = _capacity - CloseSize;
        }

        private void WriteEventHeader(SecurityEventKind kind, bool empty)
        {
            for (int attempt = 0; attempt < 2; attempt++)
            {
                if (_json.Length == 0)
                {
                    _json.Limit = _capacity - CloseSize;
                    _json.WriteRaw(_header);
                }

                _eventStart = _json.Length;
                _json.Limit = _capacity - (empty ? CloseSize : 2 * CloseSize);
                if (_eventsInMessage > 0)
                {
                    _json.WriteByte((byte)',');
                }

                _json.WriteRaw("{\"Id\":");
                _random.NextBytes(_id);
                Uuid.MakeVersion4(_id, 0);
                _json.WriteGuid(_id, 0);
                _json.WriteRaw(",\"TimestampLocal\":");
                _json.WriteTimestampLocal(_utc, _offsetMinutes);
                _json.WriteRaw(",\"TimestampUTC\":");
                _json.WriteTimestampUtc(_utc);
                _json.WriteRaw(empty ? kind.EmptyHeaderTail : kind.HeaderTail);
                if (!_json.Overflowed)
                {
                    return;
                }

                _json.Reset(_eventStart);
                Flush();
            }

            // ASC_MAX_MESSAGE_SIZE is at least 512 bytes, which always holds one event header.
            throw new InvalidOperationException();
        }
    }
}
