namespace NanoSecurity
{
    /// <summary>The kind of token <see cref="JsonReader"/> stands on, named as System.Text.Json names them.</summary>
    internal enum JsonTokenType : byte
    {
        /// <summary>Nothing read yet since <see cref="JsonReader.Reset"/>.</summary>
        None = 0,

        /// <summary><c>{</c>.</summary>
        StartObject,

        /// <summary><c>}</c>.</summary>
        EndObject,

        /// <summary><c>[</c>.</summary>
        StartArray,

        /// <summary><c>]</c>.</summary>
        EndArray,

        /// <summary>A member name; its value is the next token.</summary>
        PropertyName,

        /// <summary>A string value.</summary>
        String,

        /// <summary>A number value, integer or not.</summary>
        Number,

        /// <summary><c>true</c>.</summary>
        True,

        /// <summary><c>false</c>.</summary>
        False,

        /// <summary><c>null</c>.</summary>
        Null,
    }
}
