namespace NanoSecurity
{
    /// <summary>
    /// The twin requests of one connection: at most one outstanding, the GET first, then a
    /// report whenever one is pending; throttled answers retried with backoff.
    /// </summary>
    /// <remarks>
    /// Touched by two threads, always under its own lock: the session thread asks for the
    /// request due (<see cref="Next"/>) and cancels one it could not send; the client's reader
    /// thread matches answers (<see cref="Match"/>, <see cref="Complete"/>). An answer stays
    /// outstanding until <see cref="Complete"/>, after the twin has applied it, so the session
    /// never sends a second GET while the first answer is being applied.
    /// </remarks>
    internal sealed class TwinRequests
    {
        internal const int TimeoutMilliseconds = 30 * 1000;
        private const int StatusTooManyRequests = 429;
        private const int StatusServerError = 500;

        private readonly object _sync = new object();
        private int _lastRid;
        private int _pendingRid;
        private bool _pendingIsGet;
        private long _pendingSince;
        private bool _fetched;
        private long _retryAt;
        private int _retries;

        /// <summary>True for the answers worth asking again: 429 (throttled) and 5xx.</summary>
        internal static bool IsRetried(int status)
        {
            return status == StatusTooManyRequests || status >= StatusServerError;
        }

        /// <summary>A new connection: nothing outstanding, the twin to be fetched again.</summary>
        internal void Reset()
        {
            lock (_sync)
            {
                _pendingRid = 0;
                _fetched = false;
                _retryAt = 0;
                _retries = 0;
            }
        }

        /// <summary>
        /// The request to send now: its request id, or 0 for none. An outstanding request
        /// unanswered for <see cref="TimeoutMilliseconds"/> is given up first;
        /// <paramref name="reportTimedOut"/> then says whether it was a report.
        /// </summary>
        internal int Next(long now, bool reportPending, out bool isGet, out bool reportTimedOut)
        {
            isGet = false;
            reportTimedOut = false;
            lock (_sync)
            {
                if (_pendingRid != 0)
                {
                    if (now - _pendingSince < TimeoutMilliseconds)
                    {
                        return 0;
                    }

                    reportTimedOut = !_pendingIsGet;
                    _pendingRid = 0;
                }

                if (now < _retryAt || (_fetched && !reportPending))
                {
                    return 0;
                }

                isGet = !_fetched;
                _lastRid = _lastRid == int.MaxValue ? 1 : _lastRid + 1;
                _pendingRid = _lastRid;
                _pendingIsGet = isGet;
                _pendingSince = now;
                return _pendingRid;
            }
        }

        /// <summary>The request could not be sent: it is no longer outstanding.</summary>
        internal void Cancel(int rid)
        {
            lock (_sync)
            {
                if (_pendingRid == rid)
                {
                    _pendingRid = 0;
                }
            }
        }

        /// <summary>True when <paramref name="rid"/> is the outstanding request; <paramref name="isGet"/> says which kind.</summary>
        internal bool Match(int rid, out bool isGet)
        {
            lock (_sync)
            {
                isGet = _pendingIsGet;
                return rid != 0 && rid == _pendingRid;
            }
        }

        /// <summary>
        /// The answer to <paramref name="rid"/> has been handled. A GET answered with anything but
        /// a retried status counts as fetched (another refusal would come again: the module goes
        /// on with the configuration in force). False when the request was given up meanwhile.
        /// </summary>
        internal bool Complete(int rid, int status, long now)
        {
            lock (_sync)
            {
                if (rid == 0 || rid != _pendingRid)
                {
                    return false;
                }

                _pendingRid = 0;
                if (IsRetried(status))
                {
                    _retries++;
                    _retryAt = now + ReconnectBackoff.Ceiling(_retries);
                }
                else
                {
                    _retries = 0;
                    _fetched |= _pendingIsGet;
                }

                return true;
            }
        }

        /// <summary>The GET's answer was too large to receive: go on without it.</summary>
        internal void GiveUpGet()
        {
            lock (_sync)
            {
                if (_pendingRid != 0 && _pendingIsGet)
                {
                    _pendingRid = 0;
                    _fetched = true;
                }
            }
        }
    }
}
