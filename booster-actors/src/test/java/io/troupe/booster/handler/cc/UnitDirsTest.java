package io.troupe.booster.handler.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnitDirsTest {

    @TempDir
    Path tmp;

    /** Holds a lock on the file named by its argument until its stdin closes: another live process's unit directory. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE);
                    var lock = channel.lock()) {
                System.out.println("locked");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // until the test lets go
                }
            }
        }
    }

    @Test
    void onlyDirectoriesWhoseLockNobodyHoldsAndThatHaveSettledAreRemoved() throws Exception {
        UnitDirs.Held own = UnitDirs.make(tmp);
        assertTrue(own.dir().getFileName().toString().startsWith(UnitDirs.PREFIX));
        Path orphaned = leftBehind("troupe-cc-orphaned", true);
        Path young = leftBehind("troupe-cc-young", true);
        Files.setLastModifiedTime(young, FileTime.from(Instant.now()));
        Path noLock = leftBehind("troupe-cc-nolock", false);
        Path other = leftBehind("other-dir", true);
        Path heldElsewhere = leftBehind("troupe-cc-live", true);
        UnitDirs.Held sameJvm = UnitDirs.make(tmp);
        Files.setLastModifiedTime(sameJvm.dir(), FileTime.from(Instant.now().minus(UnitDirs.SETTLE).minusSeconds(60)));

        Process holder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(),
                heldElsewhere.resolve(UnitDirs.LOCK).toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", out.readLine(), "the other process holds its lock");
            UnitDirs.removeOrphans(tmp, own.dir(), Instant.now());
            assertTrue(Files.notExists(orphaned), "an unlocked, settled directory is removed");
            for (Path kept : List.of(own.dir(), young, noLock, other, heldElsewhere, sameJvm.dir())) {
                assertTrue(Files.isDirectory(kept), kept + " stays");
            }
            assertTrue(Files.exists(sameJvm.dir().resolve(UnitDirs.LOCK)));
        } finally {
            holder.getOutputStream().close();
            holder.waitFor();
        }
        // once its process has let go, it is an orphan too; this JVM's own stay as long as they are held
        UnitDirs.removeOrphans(tmp, own.dir(), Instant.now());
        assertTrue(Files.notExists(heldElsewhere));
        assertTrue(Files.isDirectory(sameJvm.dir()));
        sameJvm.close();
        UnitDirs.removeOrphans(tmp, own.dir(), Instant.now());
        assertTrue(Files.notExists(sameJvm.dir()), "let go, it is removed by the next sweep");
        own.close();
    }

    /** A unit directory as a killed process leaves it: a unit, maybe a lock file, last changed long ago. */
    private Path leftBehind(String name, boolean withLock) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("1-unit.i"), "int x;\n");
        if (withLock) {
            Files.createFile(dir.resolve(UnitDirs.LOCK));
        }
        Files.setLastModifiedTime(dir, FileTime.from(Instant.now().minus(UnitDirs.SETTLE).minusSeconds(60)));
        return dir;
    }
}
