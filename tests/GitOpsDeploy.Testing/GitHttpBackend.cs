using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>Runs <c>git http-backend</c> (smart HTTP, ships with git) as a CGI program for one request.</summary>
public static class GitHttpBackend
{
    private static readonly string Backend = FindBackend();

    public static async Task ServeAsync(HttpContext context, string projectRoot, string pathInfo, string user)
    {
        var request = context.Request;
        var start = new ProcessStartInfo(Backend)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = start.Environment;
        env["GIT_PROJECT_ROOT"] = projectRoot;
        env["GIT_HTTP_EXPORT_ALL"] = "1";
        env["GIT_CONFIG_NOSYSTEM"] = "1";
        env["HOME"] = projectRoot;
        env["PATH_INFO"] = pathInfo;
        env["REQUEST_METHOD"] = request.Method;
        env["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty;
        env["CONTENT_TYPE"] = request.ContentType ?? string.Empty;
        env["REMOTE_USER"] = user;
        env["REMOTE_ADDR"] = "127.0.0.1";
        env["SERVER_PROTOCOL"] = "HTTP/1.1";
        if (request.ContentLength is { } length)
        {
            env["CONTENT_LENGTH"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (request.Headers.ContentEncoding.ToString() is { Length: > 0 } encoding)
        {
            env["HTTP_CONTENT_ENCODING"] = encoding;
        }

        if (request.Headers["Git-Protocol"].ToString() is { Length: > 0 } protocol)
        {
            env["GIT_PROTOCOL"] = protocol;
        }

        using var process = Process.Start(start)!;
        // A client that goes away mid-request (a cancelled push) leaves git http-backend spinning on a body
        // that never ends: like GitHub, drop the work of a request nobody waits for.
        using var abandoned = context.RequestAborted.Register(() => Stop(process));
        try
        {
            await RunAsync(context, process);
        }
        finally
        {
            Stop(process);
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    private static async Task RunAsync(HttpContext context, Process process)
    {
        var request = context.Request;
        var stderr = process.StandardError.ReadToEndAsync();
        var copyIn = Task.Run(async () =>
        {
            try
            {
                await request.Body.CopyToAsync(process.StandardInput.BaseStream);
            }
            finally
            {
                process.StandardInput.Close();
            }
        });

        var output = process.StandardOutput.BaseStream;
        var headers = await ReadHeadersAsync(output);
        context.Response.StatusCode = 200;
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                context.Response.Headers.Append(name, value);
            }
        }

        await output.CopyToAsync(context.Response.Body);
        await copyIn;
        await process.WaitForExitAsync();
        _ = await stderr;
    }

    /// <summary>CGI headers end at the first empty line; read byte by byte so the body stays in the stream.</summary>
    private static async Task<List<(string Name, string Value)>> ReadHeadersAsync(Stream output)
    {
        var headers = new List<(string, string)>();
        var line = new StringBuilder();
        var one = new byte[1];
        while (await output.ReadAsync(one) == 1)
        {
            if (one[0] == '\n')
            {
                var text = line.ToString().TrimEnd('\r');
                line.Clear();
                if (text.Length == 0)
                {
                    break;
                }

                var colon = text.IndexOf(':', StringComparison.Ordinal);
                headers.Add((text[..colon].Trim(), text[(colon + 1)..].Trim()));
            }
            else
            {
                line.Append((char)one[0]);
            }
        }

        return headers;
    }

    private static string FindBackend()
    {
        var execPath = GitCli.Run(Path.GetTempPath(), "--exec-path");
        return Path.Combine(execPath, "git-http-backend");
    }
}
