using System;
using System.Threading;

namespace NanoSecurity
{
    /// <summary>
    /// The module twin's traffic of an <see cref="IotHubSession"/>: on every connection a GET of
    /// the whole twin, and once that is answered a report of the configuration in force
    /// whenever it has not been reported (see <see cref="TwinRequests"/>); the answers and the
    /// desired patches go to the <see cref="ModuleTwin"/>. A 400 to a report is logged and not
    /// repeated (the hub would refuse it again).
    /// </summary>
    /// <remarks>
    /// The session thread sends (<see cref="Service"/>); the client's reader thread delivers
    /// what arrives (<see cref="Received"/>, <see cref="TooLarge"/>) and wakes the session
    /// thread to act on it. No lock of its own: the outstanding request is under
    /// <see cref="TwinRequests"/>' lock, the twin under its own, and the report buffer is the
    /// session thread's alone.
    /// </remarks>
    internal sealed class TwinExchange
    {
        private const int StatusOk = 200;

        private readonly MqttClient _client;
        private readonly ModuleTwin _twin;
        private readonly TwinRequests _requests;
        private readonly JsonWriter _report = new JsonWriter(ReportedPropertiesWriter.MaxLength);
        private readonly IMonotonicClock _clock;
        private readonly Logger _log;
        private readonly AutoResetEvent _wake;
        private readonly int _maxPacketSize;

        /// <summary>Creates the twin's side of a session; nothing is sent until <see cref="Service"/>.</summary>
        /// <param name="client">The session's MQTT client.</param>
        /// <param name="twin">The module twin.</param>
        /// <param name="requests">The twin requests of the connection.</param>
        /// <param name="clock">Clock of the requests' timeouts.</param>
        /// <param name="log">Where refused requests are logged.</param>
        /// <param name="wake">Set when the session thread has something to send.</param>
        /// <param name="maxPacketSize">The largest packet the client accepts, reported with a twin too large for it.</param>
        internal TwinExchange(MqttClient client, ModuleTwin twin, TwinRequests requests, IMonotonicClock clock, Logger log, AutoResetEvent wake, int maxPacketSize)
        {
            _client = client;
            _twin = twin;
            _requests = requests;
            _clock = clock;
            _log = log;
            _wake = wake;
            _maxPacketSize = maxPacketSize;
        }

        /// <summary>Sends the twin request due, if any: the GET of this connection first, then a report.</summary>
        internal void Service()
        {
            bool isGet, reportTimedOut;
            int rid = _requests.Next(_clock.ElapsedMilliseconds, _twin.ReportPending, out isGet, out reportTimedOut);
            if (reportTimedOut)
            {
                _twin.ReportFailed();
            }

            if (rid == 0)
            {
                return;
            }

            try
            {
                if (isGet)
                {
                    _client.Publish(TwinTopics.Get(rid), _report.Buffer, 0, 0, 0);
                }
                else if (_twin.TakeReport(_report))
                {
                    _client.Publish(TwinTopics.ReportedPatch(rid), _report.Buffer, 0, _report.Length, 0);
                }
                else
                {
                    // Cannot happen: the buffer holds the longest document (ReportedPropertiesWriter.MaxLength).
                    _requests.Cancel(rid);
                }
            }
            catch (Exception)
            {
                // The client reports the lost link through OnConnectionLost; the next connection asks again.
                if (!isGet)
                {
                    _twin.ReportFailed();
                }

                _requests.Cancel(rid);
            }
        }

        /// <summary>A message on a subscribed topic: a desired patch, or the answer to a request.</summary>
        internal void Received(string topic, byte[] payload, int offset, int count)
        {
            if (TwinTopics.IsDesiredPatch(topic))
            {
                _twin.Apply(payload, offset, count, false, out _);
                _wake.Set();
                return;
            }

            int status, rid;
            bool isGet;
            if (!TwinTopics.TryParseResponse(topic, out status, out rid) || !_requests.Match(rid, out isGet))
            {
                // Not a twin answer, or the answer to a request given up on (timed out, or of an older connection).
                return;
            }

            bool retry = TwinRequests.IsRetried(status);
            if (isGet && status == StatusOk)
            {
                _twin.Apply(payload, offset, count, true, out _);
            }
            else if (!isGet && retry)
            {
                _twin.ReportFailed();
            }

            // Outstanding until applied: the session thread sends no second GET meanwhile.
            _requests.Complete(rid, status, _clock.ElapsedMilliseconds);
            if (status / 100 != 2 && Logger.WarningEnabled)
            {
                _log.Write(LogLevel.Warning, "twin " + (isGet ? "GET" : "reported PATCH") + " answered " + status.ToString()
                    + (retry ? ", retrying" : ", not retried"));
            }

            _wake.Set();
        }

        /// <summary>
        /// A message too large for the client's buffer. Only twin topics are subscribed: this was
        /// the twin, or a patch, far larger than the device was built for. The configuration in
        /// force goes on, and the twin says why.
        /// </summary>
        internal void TooLarge(int bytes)
        {
            _requests.GiveUpGet();
            _twin.RefuseTooLarge(bytes, _maxPacketSize);
            _wake.Set();
        }
    }
}
