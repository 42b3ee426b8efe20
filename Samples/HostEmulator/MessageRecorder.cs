using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using NanoSecurity.Testing;

namespace NanoSecurity.HostEmulator
{
    /// <summary>
    /// The module's <see cref="ISecurityMessageObserver"/>: sees every message the module writes,
    /// whichever way it then goes. The module's thread only copies the body; a worker validates
    /// it (SecurityMessageValidator: Microsoft's schemas plus the RFC 3339 timestamp check),
    /// decodes it for the views and, with --json-out, writes it to DIR/NNNNNN.json.
    /// </summary>
    internal sealed class MessageRecorder : ISecurityMessageObserver, IDisposable
    {
        private readonly BlockingCollection<(byte[] Body, DateTime At)> _incoming = new BlockingCollection<(byte[], DateTime)>();
        private readonly List<DecodedMessage> _messages = new List<DecodedMessage>();
        private readonly object _sync = new object();
        private readonly string? _jsonOut;
        private readonly Thread _worker;
        private string? _writeError;

        /// <summary>Starts the worker.</summary>
        /// <param name="jsonOut">Folder for the message files (created); null for none.</param>
        public MessageRecorder(string? jsonOut)
        {
            _jsonOut = jsonOut;
            _worker = new Thread(Work) { IsBackground = true, Name = "message recorder" };
            _worker.Start();
        }

        /// <summary>Raised on the worker for every message, once validated and decoded.</summary>
        public event Action<DecodedMessage>? MessageRecorded;

        /// <summary>Why writing a --json-out file failed, if it did.</summary>
        public string? WriteError
        {
            get
            {
                lock (_sync)
                {
                    return _writeError;
                }
            }
        }

        /// <summary>Every message recorded so far, in order.</summary>
        public IReadOnlyList<DecodedMessage> Messages
        {
            get
            {
                lock (_sync)
                {
                    return _messages.ToArray();
                }
            }
        }

        /// <inheritdoc />
        public void OnMessage(byte[] body, int length)
        {
            // On the module's collection thread: copy and go.
            var copy = new byte[length];
            Buffer.BlockCopy(body, 0, copy, 0, length);
            try
            {
                _incoming.Add((copy, DateTime.Now));
            }
            catch (InvalidOperationException)
            {
                // Written after the run ended (the module's last collection racing the stop).
            }
        }

        /// <summary>Takes no more messages and waits until those seen are recorded.</summary>
        public void Complete()
        {
            _incoming.CompleteAdding();
            _worker.Join();
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (!_incoming.IsAddingCompleted)
            {
                Complete();
            }

            _incoming.Dispose();
        }

        private void Work()
        {
            foreach ((byte[] body, DateTime at) in _incoming.GetConsumingEnumerable())
            {
                int sequence;
                lock (_sync)
                {
                    sequence = _messages.Count + 1;
                }

                bool valid = SecurityMessageValidator.Validate(body, body.Length, out string errors);
                var message = new DecodedMessage
                {
                    Sequence = sequence,
                    At = at,
                    Body = body,
                    Valid = valid,
                    Errors = errors,
                    Events = DecodedMessage.DecodeEvents(body),
                };

                if (_jsonOut != null)
                {
                    Write(message);
                }

                lock (_sync)
                {
                    _messages.Add(message);
                }

                MessageRecorded?.Invoke(message);
            }
        }

        private void Write(DecodedMessage message)
        {
            string path = Path.Combine(_jsonOut!, message.Sequence.ToString("D6", CultureInfo.InvariantCulture) + ".json");
            try
            {
                // Whole files only: a reader never sees a half-written message.
                string temporary = path + ".tmp";
                File.WriteAllBytes(temporary, message.Body);
                File.Move(temporary, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                lock (_sync)
                {
                    _writeError ??= $"cannot write {path}: {e.Message}";
                }
            }
        }
    }

    /// <summary>Totals over the recorded messages, for the views and the summary.</summary>
    internal sealed class MessageTotals
    {
        private MessageTotals(IReadOnlyList<DecodedMessage> messages)
        {
            Messages = messages.Count;
            Invalid = messages.Count(m => !m.Valid);
            Bytes = messages.Sum(m => (long)m.Size);
            BilledUnits = messages.Sum(m => (long)m.BilledUnits);
            Flows = messages.Sum(m => m.FlowCount);
            EventsByName = messages
                .SelectMany(m => m.Events)
                .GroupBy(e => e.DisplayName)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (g.Key, g.Count()))
                .ToArray();
        }

        public int Messages { get; }

        public int Invalid { get; }

        public long Bytes { get; }

        public long BilledUnits { get; }

        public int Flows { get; }

        public IReadOnlyList<(string Name, int Count)> EventsByName { get; }

        public static MessageTotals Of(IReadOnlyList<DecodedMessage> messages) => new MessageTotals(messages);
    }
}
