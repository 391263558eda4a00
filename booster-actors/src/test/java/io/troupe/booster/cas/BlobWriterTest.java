package io.troupe.booster.cas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobWriterTest {
    @TempDir
    Path dir;

    @Test
    void aFetchedResultGetsTheModeAFileTheCompilerWroteWouldHave() throws Exception {
        byte[] bytes = "an object fetched by digest".getBytes(StandardCharsets.UTF_8);
        Path target = dir.resolve("obj/o.o");
        BlobWriter writer = BlobWriter.toFile(Digests.of(bytes), bytes.length, target);
        writer.write(bytes);
        writer.commit();
        assertArrayEquals(bytes, Files.readAllBytes(target));
        // the same process umask applies to both: a plain new file is what a local compile leaves
        Path plain = Files.writeString(dir.resolve("obj/plain.o"), "x");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(target));
    }
}
