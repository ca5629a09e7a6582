package org.hyperdas.tests.explorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.explorer.ExplorerServer;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.export.ExportedModel;
import org.hyperdas.export.InferenceInputs;
import org.hyperdas.export.PortableInference;
import org.hyperdas.tests.export.ExportFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The explorer page in headless Chromium: Try filled by hand shows infer's intervened answer and a
 * heatmap of S+1 rows (source tokens and SELF) by T_b columns (base tokens); an example clicked in
 * Examples fills Try; an MDAS export shows its fixed site instead of a heatmap. Each test leaves a
 * screenshot under target/screenshots/.
 */
class ExplorerBrowserTest {
    private static ExportFixture.Runs runs;
    private static ExplorerServer hyperdas;
    private WebDriver driver;

    @BeforeAll
    static void start() throws Exception {
        Browser.requireAvailable();
        runs = ExportFixture.get();
        hyperdas = ExplorerFixture.serve(runs.hyperdasExport(), runs.hyperdasRun());
    }

    @AfterAll
    static void stop() throws Exception {
        if (hyperdas != null) {
            hyperdas.close();
        }
    }

    @BeforeEach
    void openBrowser() {
        driver = Browser.open();
    }

    @AfterEach
    void closeBrowser() {
        if (driver != null) {
            driver.quit();
        }
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(driver, Duration.ofSeconds(30));
    }

    private void load(ExplorerServer server) {
        driver.get(server.url().toString());
        waiting().until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
    }

    private void type(String id, String text) {
        WebElement e = driver.findElement(By.id(id));
        e.clear();
        e.sendKeys(text);
    }

    /** Clicks Run and waits for the answer; returns the page's round-trip time in ms. */
    private long runTry() {
        WebElement result = driver.findElement(By.id("result"));
        driver.findElement(By.id("run")).click();
        waiting().until(d -> "done".equals(result.getDomAttribute("data-state"))
                || "error".equals(result.getDomAttribute("data-state")));
        assertEquals("done", result.getDomAttribute("data-state"), driver.findElement(By.id("status")).getText());
        return Long.parseLong(result.getDomAttribute("data-ms"));
    }

    @Test
    void tryShowsInfersAnswerAndTheSelectionHeatmap() throws Exception {
        Pair p = ExplorerFixture.causePair(runs.hyperdasRun().resolve("hyperdas-one-to-many"));
        load(hyperdas);
        type("base", p.basePrompt());
        type("source", p.sourcePrompt());
        type("base-entity", p.baseEntity());
        type("source-entity", p.sourceEntity());
        new Select(driver.findElement(By.id("attribute"))).selectByValue(p.entityType() + "." + p.attribute());
        new Select(driver.findElement(By.id("mode"))).selectByValue("one-to-many");
        assertEquals(p.instruction(), driver.findElement(By.id("instruction")).getDomProperty("value"),
                "the instruction composed from the entity fields and the attribute");
        runTry();

        try (ExportedModel model = ExportedModel.open(runs.hyperdasExport(), OrtEngine.cpu())) {
            PortableInference.Answer expected = PortableInference.run(model, new PortableInference.Request(
                    p.basePrompt(), p.sourcePrompt(), p.instruction(), "one-to-many", null, 3));
            assertEquals("\"" + expected.intervenedAnswer() + "\"",
                    driver.findElement(By.id("intervened-answer")).getText());
            assertEquals("\"" + expected.baseAnswer() + "\"", driver.findElement(By.id("base-answer")).getText());
            InferenceInputs x = InferenceInputs.of(model.tokenizer(), p.basePrompt(), p.sourcePrompt(),
                    p.instruction());
            List<WebElement> rows = driver.findElements(By.cssSelector("#heatmap tr.hm-row"));
            assertEquals(x.sourceIds()[0].length + 1, rows.size(), "source tokens + SELF rows");
            for (WebElement row : rows) {
                assertEquals(x.baseIds()[0].length, row.findElements(By.cssSelector("td.hm-cell")).size(),
                        "base token columns");
            }
            assertEquals("SELF", rows.get(rows.size() - 1).findElement(By.tagName("th")).getText());
            String title = rows.get(0).findElements(By.cssSelector("td.hm-cell")).get(0).getDomAttribute("title");
            assertTrue(title.matches(".*: [0-9]\\.[0-9]{4}"), "hover shows the weight: " + title);
            assertFalse(driver.findElements(By.cssSelector("#heatmap td.hm-cell.chosen")).isEmpty(),
                    "one-to-many outlines each column's choice");
            assertTrue(driver.findElements(By.cssSelector("#heatmap td.hm-cell")).stream()
                    .anyMatch(c -> !c.getCssValue("background-color").equals("rgba(0, 0, 0, 0)")),
                    "the cells are coloured by their weight (styles set despite the page's CSP)");
        }
        assertEquals(5, driver.findElements(By.cssSelector("#intervened-top tr")).size());
        Browser.screenshot(driver, "explorer-try");

        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            times.add(runTry());
        }
        Collections.sort(times);
        System.out.printf("explorer: Try through the browser, median of 20: %.1f ms (min %d, max %d)%n",
                (times.get(9) + times.get(10)) / 2.0, times.get(0), times.get(19));
    }

    @Test
    void clickingAnExampleFillsTry() throws Exception {
        load(hyperdas);
        driver.findElement(By.id("tab-examples")).click();
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr.example")));
        new Select(driver.findElement(By.id("f-run"))).selectByValue("one-to-one");
        new Select(driver.findElement(By.id("f-kind"))).selectByValue("isolate");
        List<WebElement> shown = driver.findElements(By.cssSelector("tr.example"));
        List<Outcome> expected = PredictionFile.read(runs.hyperdasRun().resolve("hyperdas-one-to-one")
                .resolve(RunFolder.PREDICTIONS)).stream().filter(o -> !o.pair().split().equals("train")
                        && o.pair().kind().label().equals("isolate")).toList();
        assertEquals(expected.size(), shown.size(), "the filters keep the one-to-one run's isolate pairs");
        Browser.screenshot(driver, "explorer-examples");

        Pair p = expected.get(1).pair();
        shown.get(1).click();
        assertTrue(driver.findElement(By.id("try")).isDisplayed(), "the click opens Try");
        assertEquals(p.basePrompt(), driver.findElement(By.id("base")).getDomProperty("value"));
        assertEquals(p.sourcePrompt(), driver.findElement(By.id("source")).getDomProperty("value"));
        assertEquals(p.baseEntity(), driver.findElement(By.id("base-entity")).getDomProperty("value"));
        assertEquals(p.sourceEntity(), driver.findElement(By.id("source-entity")).getDomProperty("value"));
        assertEquals(p.instruction(), driver.findElement(By.id("instruction")).getDomProperty("value"));
        assertEquals("one-to-one", new Select(driver.findElement(By.id("mode"))).getFirstSelectedOption()
                .getDomAttribute("value"));
        WebElement result = driver.findElement(By.id("result"));
        waiting().until(d -> "done".equals(result.getDomAttribute("data-state")));
        Browser.screenshot(driver, "explorer-try-example");

        driver.findElement(By.id("tab-leaderboard")).click();
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#board table")));
        waiting().until(d -> !d.findElements(By.cssSelector("#figures img")).isEmpty());
        waiting().until(d -> (Boolean) ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                "return [...document.querySelectorAll('#figures img')].every(i => i.complete && i.naturalWidth > 0)"));
        Browser.screenshot(driver, "explorer-leaderboard");
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                "document.getElementById('figures').scrollIntoView()");
        Browser.screenshot(driver, "explorer-leaderboard-figures");
    }

    @Test
    void anMdasExportShowsItsFixedSite() throws Exception {
        try (ExplorerServer mdas = ExplorerFixture.serve(runs.mdasExport(), null)) {
            Pair p = ExplorerFixture.causePair(runs.mdasRun());
            load(mdas);
            type("base", p.basePrompt());
            type("source", p.sourcePrompt());
            type("instruction", p.instruction());
            assertFalse(driver.findElement(By.id("mode-label")).isDisplayed(), "mdas has no modes");
            runTry();
            assertTrue(driver.findElements(By.cssSelector("#heatmap tr")).isEmpty());
            String site = driver.findElement(By.id("site")).getText();
            try (ExportedModel model = ExportedModel.open(runs.mdasExport(), OrtEngine.cpu())) {
                PortableInference.Selected expected = PortableInference.run(model, new PortableInference.Request(
                        p.basePrompt(), p.sourcePrompt(), p.instruction(), null, null, 3)).selected().get(0);
                assertTrue(site.contains("\"" + expected.baseToken() + "\"@" + expected.basePosition())
                        && site.contains("\"" + expected.sourceToken() + "\"@" + expected.sourcePosition()), site);
            }
            Path shot = Browser.screenshot(driver, "explorer-try-mdas");
            assertTrue(Files.size(shot) > 0);
        }
    }
}
