using System;
using System.Collections.Generic;

namespace NanoSecurity.HostEmulator
{
    /// <summary>
    /// The module's edge detections as they are raised (its <see cref="IDetectionObserver"/>),
    /// for the views: each one as an event, and the latest few with their time.
    /// </summary>
    internal sealed class DetectionLog : IDetectionObserver
    {
        private const int Kept = 5;
        private readonly object _sync = new object();
        private readonly Queue<(DateTime At, DetectionReport Report)> _recent = new Queue<(DateTime, DetectionReport)>();
        private int _count;

        /// <summary>Raised on the module's driving thread for every detection sent.</summary>
        public event Action<DetectionReport, DateTime>? Raised;

        /// <summary>Detections sent so far.</summary>
        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _count;
                }
            }
        }

        /// <summary>The latest detections, oldest first.</summary>
        public IReadOnlyList<(DateTime At, DetectionReport Report)> Recent
        {
            get
            {
                lock (_sync)
                {
                    return _recent.ToArray();
                }
            }
        }

        public void OnDetection(DetectionReport report)
        {
            DateTime at = DateTime.Now;
            lock (_sync)
            {
                _count++;
                _recent.Enqueue((at, report));
                if (_recent.Count > Kept)
                {
                    _recent.Dequeue();
                }
            }

            Raised?.Invoke(report, at);
        }

        /// <summary>One line for logs: "DETECTION DeniedRemoteAddress (127.0.0.0/8): outbound TCP connection to …".</summary>
        public static string Line(DetectionReport report) => "DETECTION " + report.Detection + " (" + report.Rule + "): " + report.Message;
    }
}
