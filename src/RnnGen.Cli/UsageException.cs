/// <summary>A command line that does not parse; <c>rnngen</c> prints the message and the usage.</summary>
internal sealed class UsageException(string message) : Exception(message);
