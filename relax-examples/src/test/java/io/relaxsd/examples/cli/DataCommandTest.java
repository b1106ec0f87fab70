package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.mnist.MnistFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DataCommandTest {
    @TempDir
    Path dir;

    @Test
    void aCorruptFileIsOneLineNamingItAndExitOne() throws Exception {
        for (MnistFile f : MnistFile.values()) {
            Files.writeString(dir.resolve(f.fileName()), "not mnist");
        }
        CommandLine cl = RelaxCli.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("data", "--check", "--data", dir.toString());
        assertEquals(1, code);
        String msg = err.toString().strip();
        assertEquals(1, msg.lines().count(), msg);
        assertTrue(msg.startsWith("relax: " + dir.resolve("train-images-idx3-ubyte")), msg);
        assertTrue(msg.contains("checksum mismatch"), msg);
        assertEquals("not mnist", Files.readString(dir.resolve("train-images-idx3-ubyte")), "never overwritten");
    }

    @Test
    void withoutCheckItIsAUsageError() {
        CommandLine cl = RelaxCli.commandLine();
        cl.setErr(new PrintWriter(new StringWriter()));
        assertEquals(2, cl.execute("data"));
    }
}
