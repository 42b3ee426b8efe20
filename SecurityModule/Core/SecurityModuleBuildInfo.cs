namespace NanoSecurity
{
    /// <summary>
    /// The build-time configuration this SecurityModule.dll was compiled with (asc_port.config),
    /// for diagnostics: a host tool can show which configuration the loaded DLL carries. The
    /// values are read from the DLL at run time, not copied into the caller at its compile time.
    /// </summary>
    public static class SecurityModuleBuildInfo
    {
        /// <summary>ASC_SECURITY_MODULE_ID.</summary>
        public static string ModuleId => AscPortConfig.SecurityModuleId;

        /// <summary>ASC_SECURITY_MODULE_PENDING_TIME, in seconds.</summary>
        public static int PendingTime => AscPortConfig.SecurityModulePendingTime;

        /// <summary>ASC_FIRST_COLLECTION_INTERVAL, in seconds: the first collection comes in [FIRST, 2×FIRST).</summary>
        public static int FirstCollectionInterval => AscPortConfig.FirstCollectionInterval;

        /// <summary>ASC_HIGH_PRIORITY_INTERVAL, in seconds.</summary>
        public static int HighPriorityInterval => AscPortConfig.HighPriorityInterval;

        /// <summary>ASC_MEDIUM_PRIORITY_INTERVAL, in seconds.</summary>
        public static int MediumPriorityInterval => AscPortConfig.MediumPriorityInterval;

        /// <summary>ASC_LOW_PRIORITY_INTERVAL, in seconds.</summary>
        public static int LowPriorityInterval => AscPortConfig.LowPriorityInterval;

        /// <summary>ASC_MAX_MESSAGE_SIZE, in bytes.</summary>
        public static int MaxMessageSize => AscPortConfig.MaxMessageSize;

        /// <summary>ASC_LOCAL_CACHE_SIZE, in bytes.</summary>
        public static int LocalCacheSize => AscPortConfig.LocalCacheSize;

        /// <summary>ASC_LOG_LEVEL: log lines above it are compiled out.</summary>
        public static int LogLevel => AscPortConfig.LogLevel;
    }
}
