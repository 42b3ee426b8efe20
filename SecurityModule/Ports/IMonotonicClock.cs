namespace NanoSecurity
{
    /// <summary>
    /// A clock that only moves forward, for scheduling. It keeps running while the wall
    /// clock is unknown or being corrected by SNTP.
    /// </summary>
    public interface IMonotonicClock
    {
        /// <summary>Milliseconds since an arbitrary, fixed start.</summary>
        long ElapsedMilliseconds { get; }
    }
}
