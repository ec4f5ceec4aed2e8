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

    /**
     * The one rule for integers in JSON decimals (sweep specs, experiment steps, --config files,
     * reports): whole and below 2^53 in magnitude is the integer written; from 2^53 on a double
     * may stand for another (9007199254740993.0 reads as 2^53), and integer options refuse it.
     */
    @Test
    void exactWholesAreBelow2To53() {
        assertTrue(Numbers.isExactWhole(9007199254740991.0));
        assertTrue(Numbers.isExactWhole(-9007199254740991.0));
        assertTrue(Numbers.isExactWhole(1e15));
        assertFalse(Numbers.isExactWhole(9007199254740993.0), "read as 2^53");
        assertFalse(Numbers.isExactWhole(-0x1p53));
        assertFalse(Numbers.isExactWhole(0.5));
        assertFalse(Numbers.isExactWhole(Double.NaN));
        assertFalse(Numbers.beyondExactWholes(9007199254740991.0));
        assertTrue(Numbers.beyondExactWholes(0x1p53));
        assertTrue(Numbers.beyondExactWholes(-0x1p53));
        assertTrue(Numbers.beyondExactWholes(Double.POSITIVE_INFINITY));
        assertTrue(Numbers.isExactDouble(9007199254740991L));
        assertTrue(Numbers.isExactDouble(-9007199254740991L));
        assertFalse(Numbers.isExactDouble(9007199254740992L), "2^53 is also what 2^53 + 1 reads as");
        assertFalse(Numbers.isExactDouble(-9007199254740992L));
        assertFalse(Numbers.isExactDouble(Long.MIN_VALUE));
        assertEquals("9.007199254740992E15 is a decimal of magnitude 2^53 = 9007199254740992 or more, where decimals are not exact "
                + "integers (9007199254740993.0 reads as 9007199254740992), for an option that takes integers; write it as a JSON integer "
                + "(no decimal point, no exponent)", Numbers.notExactWhole(9007199254740993.0));
    }
}
