using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Runtime;

/// <summary>
/// Log lines in the Actions log format: warnings and errors become annotations, debug lines use
/// <c>::debug::</c> (shown when the run has debug logging on). Synchronous, so lines stay in order
/// with the group commands around them.
/// </summary>
public sealed class ActionsLoggerProvider(ConsoleSink console, bool actions) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ActionsLogger(console, actions);

    public void Dispose()
    {
    }

    private sealed class ActionsLogger(ConsoleSink console, bool actions) : ILogger
    {
        /// <summary>
        /// Information lines carry repository and user data (tags, diffs, error texts). The runner reads any
        /// line whose text starts with "::" as a workflow command, and it splits on CR as well as LF: such a
        /// message is printed between stop-commands markers with a random token, so it is shown, never run.
        /// </summary>
        private void WritePlain(string message)
        {
            var lines = message.Split(["\r\n", "\r", "\n"], StringSplitOptions.None);
            if (!lines.Any(l => l.TrimStart().StartsWith("::", StringComparison.Ordinal)))
            {
                console.WriteLine(string.Join('\n', lines));
                return;
            }

            var token = Guid.NewGuid().ToString("N");
            console.WriteLine($"::stop-commands::{token}");
            foreach (var line in lines)
            {
                console.WriteLine(line);
            }

            console.WriteLine($"::{token}::");
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            if (actions)
            {
                switch (logLevel)
                {
                    case LogLevel.Trace or LogLevel.Debug:
                        foreach (var line in message.Split('\n'))
                        {
                            console.WriteLine("::debug::" + ActionsRuntime.EscapeData(line));
                        }

                        break;
                    case LogLevel.Warning:
                        console.WriteLine("::warning::" + ActionsRuntime.EscapeData(message));
                        break;
                    case LogLevel.Error or LogLevel.Critical:
                        console.WriteLine("::error::" + ActionsRuntime.EscapeData(message));
                        break;
                    default:
                        WritePlain(message);
                        break;
                }
            }
            else if (logLevel >= LogLevel.Warning)
            {
                console.WriteError($"{(logLevel == LogLevel.Warning ? "warning" : "error")}: {message}");
            }
            else
            {
                console.WriteLine(message);
            }
        }
    }
}
