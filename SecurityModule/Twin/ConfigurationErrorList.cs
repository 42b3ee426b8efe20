using System;

namespace NanoSecurity
{
    /// <summary>
    /// Configuration errors waiting to be sent, in the order they were found, up to a fixed
    /// number; errors past it are counted, not kept. The twin is read on the transport's thread
    /// and the errors are written on the collection thread, so every member locks.
    /// </summary>
    internal sealed class ConfigurationErrorList
    {
        /// <summary>
        /// A capacity that holds everything one twin document can raise (at most one error per
        /// property the module reads) with room to spare.
        /// </summary>
        internal const int DefaultCapacity = 16;

        private readonly ConfigurationError[] _items;
        private int _count;
        private int _dropped;

        /// <summary>Creates an empty list.</summary>
        /// <param name="capacity">Most errors kept at once; at least 1.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 1.</exception>
        internal ConfigurationErrorList(int capacity)
        {
            if (capacity < 1)
            {
                throw new ArgumentOutOfRangeException("capacity");
            }

            _items = new ConfigurationError[capacity];
        }

        /// <summary>Most errors kept at once.</summary>
        internal int Capacity
        {
            get { return _items.Length; }
        }

        /// <summary>Errors kept.</summary>
        internal int Count
        {
            get
            {
                lock (_items)
                {
                    return _count;
                }
            }
        }

        /// <summary>Errors that found the list full since it was last emptied.</summary>
        internal int Dropped
        {
            get
            {
                lock (_items)
                {
                    return _dropped;
                }
            }
        }

        /// <summary>An error kept, oldest first.</summary>
        /// <param name="index">From 0 to <see cref="Count"/> - 1.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not that of an error kept.</exception>
        internal ConfigurationError this[int index]
        {
            get
            {
                lock (_items)
                {
                    if (index < 0 || index >= _count)
                    {
                        throw new ArgumentOutOfRangeException("index");
                    }

                    return _items[index];
                }
            }
        }

        /// <summary>Adds an error, or counts it as dropped when the list is full.</summary>
        /// <param name="error">The error.</param>
        /// <returns>False when it was dropped.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
        internal bool Add(ConfigurationError error)
        {
            if (error == null)
            {
                throw new ArgumentNullException("error");
            }

            lock (_items)
            {
                if (_count == _items.Length)
                {
                    _dropped++;
                    return false;
                }

                _items[_count] = error;
                _count++;
                return true;
            }
        }

        /// <summary>
        /// Empties this list into <paramref name="target"/>, which is emptied first: the errors
        /// that fit and the dropped count move, the rest add to the dropped count. The collector
        /// takes the errors this way so that it writes them without holding the lock.
        /// </summary>
        /// <param name="target">Another list, used by one thread only.</param>
        /// <exception cref="ArgumentException"><paramref name="target"/> is this list.</exception>
        internal void MoveTo(ConfigurationErrorList target)
        {
            if (target == null || target == this)
            {
                throw new ArgumentException("target");
            }

            target.Clear();
            lock (_items)
            {
                for (int i = 0; i < _count; i++)
                {
                    target.Add(_items[i]);
                    _items[i] = null;
                }

                lock (target._items)
                {
                    target._dropped += _dropped;
                }

                _count = 0;
                _dropped = 0;
            }
        }

        /// <summary>Removes every error and zeroes the dropped count.</summary>
        internal void Clear()
        {
            lock (_items)
            {
                for (int i = 0; i < _count; i++)
                {
                    _items[i] = null;
                }

                _count = 0;
                _dropped = 0;
            }
        }
    }
}
