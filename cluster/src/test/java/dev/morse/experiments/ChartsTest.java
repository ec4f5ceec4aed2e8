package dev.morse.experiments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** Experiment plots are written whole under their name: a part file beside it, then a rename. */
class ChartsTest {

    @Test
    void savePlacesAWholePngAndLeavesNoPartFile(@TempDir Path dir) throws Exception {
        XYChart c = new XYChartBuilder().width(200).height(150).build();
        c.addSeries("s", new double[] {1, 2, 3}, new double[] {1, 4, 9});
        Path png = dir.resolve("plots").resolve("gap.png");
        Files.createDirectories(png.getParent());
        Files.writeString(png, "an older plot");
        assertEquals(png, Charts.save(c, png));
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head, "a whole PNG replaced the old file");
        try (var files = Files.list(png.getParent())) {
            assertEquals(List.of(png), files.toList(), "no part file is left beside the plot");
        }
        assertTrue(Files.size(png) > 100);
    }
}
