using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace NanoSecurity.Testing
{
    /// <summary>
    /// A thread-safe, append-only record of what a test peer saw, with an asynchronous wait for
    /// a condition on it (no polling: every append wakes the waiters).
    /// </summary>
    /// <typeparam name="T">The recorded item.</typeparam>
    internal sealed class WaitableList<T>
    {
        private readonly object _lock = new object();
        private readonly List<T> _items = new List<T>();
        private TaskCompletionSource _changed = NewSignal();

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _items.Count;
                }
            }
        }

        public void Add(T item)
        {
            TaskCompletionSource changed;
            lock (_lock)
            {
                _items.Add(item);
                changed = _changed;
                _changed = NewSignal();
            }

            changed.TrySetResult();
        }

        public IReadOnlyList<T> Snapshot()
        {
            lock (_lock)
            {
                return _items.ToArray();
            }
        }

        /// <summary>Waits until <paramref name="condition"/> holds for the items.</summary>
        /// <param name="condition">Checked on a snapshot after every append.</param>
        /// <param name="timeout">Longest wait.</param>
        /// <param name="describe">What was awaited, for the timeout message.</param>
        /// <returns>The snapshot that satisfied the condition.</returns>
        /// <exception cref="TimeoutException">The condition did not hold in time; the message lists what was recorded.</exception>
        public async Task<IReadOnlyList<T>> WaitAsync(Func<IReadOnlyList<T>, bool> condition, TimeSpan timeout, string describe)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                IReadOnlyList<T> snapshot;
                Task changed;
                lock (_lock)
                {
                    snapshot = _items.ToArray();
                    changed = _changed.Task;
                }

                if (condition(snapshot))
                {
                    return snapshot;
                }

                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException(
                        $"Timed out after {timeout.TotalSeconds:0.###} s waiting for {describe}; recorded {snapshot.Count}: "
                        + string.Join("; ", snapshot));
                }

                await Task.WhenAny(changed, Task.Delay(left)).ConfigureAwait(false);
            }
        }

        private static TaskCompletionSource NewSignal()
        {
            // Continuations run elsewhere, never inside Add (which runs on a broker's network thread).
            return new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
