package org.hyperdas.tests.explorer;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium through the Debian packages {@code chromium} and {@code chromium-driver}. When
 * they are missing the browser tests are skipped with a message, except under CI (CI=true), where
 * a missing browser fails them: CI installs the packages (.ci/run), so their absence is a broken
 * setup, not a reason to pass.
 */
final class Browser {
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final List<Path> BINARIES = List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser"));
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private Browser() {
    }

    /**
     * The Chromium binary; skips the calling test (class, from {@code @BeforeAll}) when it or the
     * driver is missing, or fails it under CI=true.
     */
    static Path requireAvailable() {
        Path binary = BINARIES.stream().filter(Files::isExecutable).findFirst().orElse(null);
        if (binary == null || !Files.isExecutable(DRIVER)) {
            String why = "no headless browser: expected " + BINARIES.get(0) + " and " + DRIVER
                    + " (apt-get install chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why + "; CI=true, so the browser tests must run");
            }
            Assumptions.abort(why + "; skipping the browser tests");
        }
        return binary;
    }

    /** A headless Chromium ({@link #requireAvailable} first). */
    static WebDriver open() {
        Path binary = requireAvailable();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(binary.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1500", "--disable-extensions", "--no-first-run");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return driver;
    }

    /** Saves a PNG of the page under target/screenshots/. */
    static Path screenshot(WebDriver driver, String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path to = SCREENSHOTS.resolve(name + ".png");
        Files.copy(shot.toPath(), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return to;
    }
}
