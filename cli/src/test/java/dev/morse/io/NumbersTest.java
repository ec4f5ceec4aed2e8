package dev.morse.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one number syntax: what Python's float() and numpy's text readers accept, not Java's literals. */
class NumbersTest {

    @Test
    void decimalNumbersAndTheWordsNumpyReads() {
        assertEquals(1.0, Numbers.parseDouble("1"));
        assertEquals(-2.5, Numbers.parseDouble(" -2.5 "));
        assertEquals(0.5, Numbers.parseDouble(".5"));
        assertEquals(5.0, Numbers.parseDouble("5."));
        assertEquals(400.0, Numbers.parseDouble("+4E2"));
        assertEquals(1e-3, Numbers.parseDouble("1e-3"));
        assertEquals(Double.POSITIVE_INFINITY, Numbers.parseDouble("inf"));
        assertEquals(Double.NEGATIVE_INFINITY, Numbers.parseDouble("-Infinity"));
        assertTrue(Double.isNaN(Numbers.parseDouble("NaN")));
    }

    @Test
    void javaLiteralsAndOtherSpellingsAreNot() {
        for (String s : List.of("1d", "2f", "2F", "1D", "0x1p3", "0x10", "1_000", "", " ", ".", "e3", "1e", "1e+", "--1", "+-1", "1.2.3", "١", "infinit", "nan1")) {
            assertFalse(Numbers.isNumber(s.strip()), s);
            assertThrows(NumberFormatException.class, () -> Numbers.parseDouble(s), s);
        }
    }

    @Test
    void wholeNumbers() {
        assertEquals(-12, Numbers.parseLong("-12"));
        assertEquals(7, Numbers.parseLong("+7"));
        assertEquals(Long.MAX_VALUE, Numbers.parseLong("9223372036854775807"));
        for (String s : List.of("1.0", "1e3", "0x10", "9223372036854775808", "", "-", "٣")) {
            assertThrows(NumberFormatException.class, () -> Numbers.parseLong(s), s);
        }
    }

    @Test
    void csvCellsUseTheSameSyntax() {
        for (String cell : List.of("1d", "2f", "0x1p3")) {
            InputException e = assertThrows(InputException.class, () -> Csv.parse("a,b\n1," + cell + "\n", "d.csv"), cell);
            assertTrue(e.getMessage().contains("line 2, column 'b': '" + cell + "' is not a decimal number"), e.getMessage());
        }
        assertEquals(5.0, Csv.parse("a\n5.\n", "d.csv").values()[0], "numpy reads '5.'");
        assertEquals(List.of("1d", "b"), Csv.parse("1d,b\n1,2\n", "d.csv").columns(), "'1d' is not a number, so it is a column name");
    }
}
