namespace Rosette.Infrastructure.Hosting;

/// <summary>
/// What Rosette creates under data/ (the SQLite database, the key certificate, mail) is for its own user only: folders
/// 0700, files 0600 on Unix. Folders and files that already exist keep the permissions they have.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerOnlyFolder);
        }
    }

    /// <summary>Options for a new file readable and writable by its owner only.</summary>
    public static FileStreamOptions NewFile(FileMode mode = FileMode.CreateNew)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }
        return options;
    }

    /// <summary>Creates an empty owner-only file unless it exists (SQLite then opens it, and gives its -wal and -shm files the same mode).</summary>
    public static void EnsureFile(string path)
    {
        try
        {
            using var _ = new FileStream(path, NewFile());
        }
        catch (IOException) when (File.Exists(path))
        {
        }
    }
}
